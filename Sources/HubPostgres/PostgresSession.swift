import Dispatch
import GRDB
import HubCore
import NIOCore
import PostgresNIO
import Synchronization

/// One transaction's statements on one PostgreSQL connection, sent from a thread of
/// ``PostgresBackend``'s own pool that may block: each ``run(_:_:)`` sends a statement with the
/// extended protocol (postgres-nio's `EventLoopFuture` API) and waits for the whole answer;
/// ``enqueue(_:_:)`` sends one and leaves its answer to the next wait. postgres-nio runs a
/// connection's statements one after another in the order they were sent, so a queued statement
/// always runs before the next one sent; what queuing saves is the hop from the event loop back
/// to this thread (and the thread's wake-up) between them.
///
/// Never used from an event loop or a Swift-concurrency thread (`wait()` would stall them); never
/// shared between threads (one transaction, one thread, one connection), so it needs no lock and
/// is not `Sendable`.
final class PostgresSession: ServerSession {
    let connection: PostgresConnection
    let location: PostgresLocation
    /// Statements sent by ``enqueue(_:_:)`` whose answers nobody has waited for yet, oldest first.
    private var unanswered: [EventLoopFuture<PostgresQueryResult>] = []

    init(connection: PostgresConnection, location: PostgresLocation) {
        self.connection = connection
        self.location = location
    }

    func run(_ sql: String, _ arguments: [DatabaseValue]) throws -> ServerResult {
        let answer = try send(PostgresStatement.query(sql, arguments))
        var result = ServerResult()
        if let first = answer.rows.first {
            result.columns = first.map(\.columnName)
            result.rows.reserveCapacity(answer.rows.count)
            for row in answer.rows {
                var values: [DatabaseValue] = []
                values.reserveCapacity(result.columns.count)
                for cell in row { values.append(try PostgresCellValue.databaseValue(cell)) }
                result.rows.append(values)
            }
        }
        switch answer.metadata.command {
        case "INSERT", "UPDATE", "DELETE", "MERGE": result.changes = answer.metadata.rows ?? 0
        default: result.changes = 0
        }
        return result
    }

    func enqueue(_ sql: String, _ arguments: [DatabaseValue]) throws {
        unanswered.append(connection.query(try PostgresStatement.query(sql, arguments), logger: PostgresStore.quiet))
    }

    /// Sends one statement and blocks this thread until the server has answered it in full, and
    /// every statement queued before it; the first failure among them is thrown.
    func send(_ query: PostgresQuery) throws(HubError) -> PostgresQueryResult {
        let answer = connection.query(query, logger: PostgresStore.quiet)
        let queued = unanswered
        unanswered = []
        try wait(queued)
        return try self.answer(answer)
    }

    /// Waits for the queued statements without caring how they ended: before a `ROLLBACK`, which
    /// undoes them either way.
    func forgetUnanswered() {
        for future in unanswered { _ = try? answer(future) }
        unanswered = []
    }

    /// Waits for statements already sent (``PostgresConnection/query(_:logger:file:line:)`` futures),
    /// all of them; the first failure is thrown.
    func wait(_ futures: [EventLoopFuture<PostgresQueryResult>]) throws(HubError) {
        var failure: HubError?
        for future in futures {
            do { _ = try answer(future) } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
    }

    /// Blocks this thread until a statement sent on this session's connection is answered, or until the
    /// connection is found closed. postgres-nio never completes a statement written to a connection
    /// that has already closed (the `ROLLBACK` after a server died, say): waiting for its answer alone
    /// would hold this thread for ever. So the wait looks at the connection every
    /// ``closedConnectionCheck``.
    private func answer(_ future: EventLoopFuture<PostgresQueryResult>) throws(HubError) -> PostgresQueryResult {
        let answered = DispatchSemaphore(value: 0)
        let result = Mutex<Result<PostgresQueryResult, any Error>?>(nil)
        future.whenComplete { outcome in
            result.withLock { $0 = outcome }
            answered.signal()
        }
        while answered.wait(timeout: .now() + Self.closedConnectionCheck) == .timedOut {
            guard !connection.isClosed else {
                throw HubError(.unavailable, "PostgreSQL at \(location) is unavailable: the connection closed before it answered")
            }
        }
        do {
            return try result.withLock { $0! }.get()
        } catch {
            throw PostgresFailure.statementError(error, location)
        }
    }

    /// How often a wait for an answer checks that the connection is still open.
    static let closedConnectionCheck = DispatchTimeInterval.milliseconds(500)
}
