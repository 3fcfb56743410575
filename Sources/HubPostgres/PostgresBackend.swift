import HubCore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// A hub's state in a PostgreSQL database shared by any number of nodes: the ``StoreBackend`` of a
/// ``HubStore`` opened by ``PostgresHub``.
///
/// Each transaction checks a connection out of a `PostgresClient` pool, then runs on a thread of
/// this backend's own `NIOThreadPool`, where blocking is allowed: the domain's bodies are synchronous
/// (`(StoreDB) throws -> T`), so each statement is sent and waited for there (``PostgresSession``),
/// never on an event loop or a Swift-concurrency thread. The pool has as many connections as the
/// thread pool has threads, so a checked-out connection never waits long for a thread.
///
/// - ``write(_:)``: `BEGIN`, then `pg_advisory_xact_lock(`\(``PostgresBackend/writeLockKey``)`)`, the
///   body, `COMMIT` (`ROLLBACK` when it throws). The lock serialises every hub write on every node,
///   as SQLite's single writer does: the domain's read-modify-write of a balance relies on it. It is
///   released by the server when the transaction ends, even when a node dies mid-transaction.
/// - ``read(_:)``: `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`: one consistent snapshot for
///   the whole body, taking no lock.
///
/// Start with ``start(_:threads:leaseTimeout:)``; ``shutdown()`` ends the pool and the threads (after it, every
/// transaction fails with `unavailable`).
package final class PostgresBackend: StoreBackend {
    /// The advisory lock every hub write takes: the bytes of "aignehub" as a big-endian BIGINT.
    /// One fixed key for the whole database, so writers on all nodes queue behind each other.
    package static let writeLockKey: Int64 = 0x6169_676E_6568_7562

    package let location: PostgresLocation
    package var kind: StoreKind { .postgres }
    let client: PostgresClient
    let threads: NIOThreadPool
    /// The pool's `run()`, which must run for as long as the pool is used.
    private let clientRun: Task<Void, Never>
    private let stopped = Mutex(false)
    /// How long a transaction waits for a connection before it fails with `unavailable`.
    let leaseTimeout: Duration

    private init(location: PostgresLocation, client: PostgresClient, threads: NIOThreadPool, leaseTimeout: Duration) {
        self.location = location
        self.leaseTimeout = leaseTimeout
        self.client = client
        self.threads = threads
        clientRun = Task { await client.run() }
    }

    /// Connects once (a server that is down or a wrong password fail now, with the server's
    /// reason), then starts the connection pool and `threads` threads for transactions.
    ///
    /// - `leaseTimeout`: how long a transaction waits for a connection.
    /// - `writeLockTimeout`: how long a write waits for the write lock (the session's
    ///   `lock_timeout`) before it fails with `unavailable`, rather than queue forever behind a node
    ///   that hangs inside a transaction.
    /// - `idleTransactionTimeout`: the server ends a session that sits that long inside a
    ///   transaction without sending anything (`idle_in_transaction_session_timeout`): a node that
    ///   froze mid-transaction gives the write lock back.
    package static func start(
        _ location: PostgresLocation, threads count: Int = 16, leaseTimeout: Duration = .seconds(10),
        writeLockTimeout: Duration = .seconds(30), idleTransactionTimeout: Duration = .seconds(60)
    ) async throws(HubError) -> PostgresBackend {
        try await location.probe()
        let configuration = try location.clientConfiguration(maximumConnections: count, settings: [
            ("lock_timeout", "\(writeLockTimeout.milliseconds)ms"),
            ("idle_in_transaction_session_timeout", "\(idleTransactionTimeout.milliseconds)ms"),
        ])
        let threads = NIOThreadPool(numberOfThreads: count)
        threads.start()
        return PostgresBackend(
            location: location, client: PostgresClient(configuration: configuration, backgroundLogger: PostgresStore.quiet),
            threads: threads, leaseTimeout: leaseTimeout)
    }

    /// Stops the pool (closing its connections) and the threads. Idempotent.
    package func shutdown() async {
        guard stopped.withLock({ let was = $0; $0 = true; return !was }) else { return }
        clientRun.cancel()
        await clientRun.value
        try? await threads.shutdownGracefully()
    }

    package func write<T: Sendable>(_ body: @escaping @Sendable (StoreDB) throws -> T) async throws(HubError) -> T {
        try await transaction(begin: ["BEGIN", "SELECT pg_advisory_xact_lock(\(Self.writeLockKey))"], body)
    }

    package func read<T: Sendable>(_ body: @escaping @Sendable (StoreDB) throws -> T) async throws(HubError) -> T {
        try await transaction(begin: ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"], body)
    }

    /// Wakes the caller soon after any node commits a configuration change or a ledger entry (and
    /// after each (re)connection of the listener, when something may have been missed): a
    /// ``PostgresChangeListener`` on a connection of its own, for as long as the stream is iterated.
    package func changeNotifications() -> AsyncStream<Void>? {
        let changes = PostgresChangeListener(location: location).changes()
        return AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let relay = Task {
                for await _ in changes { continuation.yield() }
                continuation.finish()
            }
            continuation.onTermination = { _ in relay.cancel() }
        }
    }

    /// Checks out a connection, then runs the transaction on a thread of the pool (internal, not
    /// private: a test runs transactions without the write lock to show what the lock prevents).
    ///
    /// Waiting for a connection has a deadline (``leaseTimeout``): with the server gone, the pool
    /// would keep a caller waiting for a minute before it gives up. Exactly one of the lease and the
    /// deadline wins (``LeaseRace``): a transaction that got its connection runs to its end and is
    /// reported as it ended, never as timed out.
    func transaction<T: Sendable>(begin: [String], _ body: @escaping @Sendable (StoreDB) throws -> T) async throws(HubError) -> T {
        guard !stopped.withLock({ $0 }) else {
            throw HubError(.unavailable, "the PostgreSQL backend for \(location) was shut down")
        }
        let location = location, threads = threads, client = client, leaseTimeout = leaseTimeout
        let race = LeaseRace()
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    try await client.withConnection { connection in
                        guard race.lease() else { throw CancellationError() }
                        return try await threads.runIfActive {
                            try Self.run(PostgresSession(connection: connection, location: location), begin: begin, body)
                        }
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: leaseTimeout)   // cut short when the transaction ends first
                    guard race.expire() else { return nil }
                    throw HubError(.unavailable, """
                        no connection to PostgreSQL at \(location) within \(leaseTimeout) (the server is down or \
                        unreachable, or every connection of this node is busy)
                        """)
                }
                while let result = try await group.next() {
                    if let value = result {
                        group.cancelAll()
                        return value
                    }
                }
                throw HubError(.internal, "a PostgreSQL transaction ended without a result")
            }
        } catch let error as HubError {
            throw error
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw HubError(.unavailable, "the PostgreSQL backend for \(location) was shut down")
        } catch {
            throw PostgresFailure.statementError(error, location)
        }
    }

    /// The transaction itself, on a pool thread: BEGIN (and the write lock, sent back to back),
    /// the body, COMMIT; ROLLBACK when anything throws. postgres-nio speaks only the extended
    /// protocol, which takes one statement per message, so `BEGIN; SELECT pg_advisory_xact_lock(…)`
    /// cannot be one message; queued together they cost one thread wake-up, not two.
    static func run<T>(_ session: PostgresSession, begin: [String], _ body: (StoreDB) throws -> T) throws -> T {
        let started = session.connection.queryAll(begin)
        do {
            _ = try session.wait(started)
            let value = try body(StoreDB(server: session))
            try session.answerQueued()
            let commit = try session.send(PostgresQuery(unsafeSQL: "COMMIT"))
            // A transaction in which a statement failed ends in ROLLBACK even when asked to COMMIT
            // (the body caught the error and went on): its writes are gone, so it did not succeed.
            guard commit.metadata.command == "COMMIT" else {
                throw HubError(.storage, """
                    the transaction was rolled back: a statement in it failed, and on PostgreSQL a failed \
                    statement aborts the whole transaction (a body must not catch a database error and go on)
                    """)
            }
            return value
        } catch {
            session.forgetUnanswered()
            do {
                _ = try session.send(PostgresQuery(unsafeSQL: "ROLLBACK"))
            } catch {
                // The connection cannot even roll back: close it, so that the pool never hands out a
                // connection still inside this transaction (the next BEGIN would only warn).
                _ = try? session.connection.close().wait()
            }
            throw error
        }
    }
}

extension Duration {
    /// Whole milliseconds (PostgreSQL's settings take `…ms`).
    var milliseconds: Int64 { components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000 }
}

/// Whether a transaction's connection came before its deadline: exactly one of ``lease()`` and
/// ``expire()`` returns true, whichever is called first.
private final class LeaseRace: Sendable {
    private let state = Atomic<UInt8>(0)   // 0: waiting, 1: leased, 2: expired

    func lease() -> Bool { state.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged }
    func expire() -> Bool { state.compareExchange(expected: 0, desired: 2, ordering: .acquiringAndReleasing).exchanged }
}

extension PostgresConnection {
    /// Sends each statement at once, without waiting for the previous answer.
    fileprivate func queryAll(_ statements: [String]) -> [EventLoopFuture<PostgresQueryResult>] {
        statements.map { query(PostgresQuery(unsafeSQL: $0), logger: PostgresStore.quiet) }
    }
}
