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
    /// every statement queued before it (one wait for all); the first failure among them is thrown.
    func send(_ query: PostgresQuery) throws(HubError) -> PostgresQueryResult {
        let sent = unanswered + [connection.query(query, logger: PostgresStore.quiet)]
        unanswered = []
        return try wait(sent)[sent.count - 1]
    }

    /// Blocks until every queued statement is answered; the first failure is thrown. Called before
    /// `COMMIT`: postgres-nio refuses some statements without sending them (one with too many
    /// parameters, say), which leaves the server's transaction intact, so a `COMMIT` sent behind such a
    /// statement would keep everything else.
    func answerQueued() throws(HubError) {
        let queued = unanswered
        unanswered = []
        _ = try wait(queued)
    }

    /// Drops the queued statements' answers: before a `ROLLBACK`, which is answered after them and
    /// undoes them either way.
    func forgetUnanswered() { unanswered.removeAll() }

    /// Blocks this thread until every one of `futures` (statements sent on this session's connection)
    /// is answered, and returns their results in order, or throws the first failure.
    ///
    /// The wait also gives up once the connection is closed: postgres-nio never completes a statement
    /// written to a connection that has already closed (the `ROLLBACK` after a server died, say), and
    /// waiting for its answer alone would hold this thread for ever. So it looks at the connection
    /// every ``closedConnectionCheck``.
    func wait(_ futures: [EventLoopFuture<PostgresQueryResult>]) throws(HubError) -> [PostgresQueryResult] {
        guard let first = futures.first else { return [] }
        let answered = DispatchSemaphore(value: 0)
        let outcomes = Mutex<[Result<PostgresQueryResult, any Error>]>([])
        EventLoopFuture.whenAllComplete(futures, on: first.eventLoop).whenSuccess { results in
            outcomes.withLock { $0 = results }
            answered.signal()
        }
        while answered.wait(timeout: .now() + Self.closedConnectionCheck) == .timedOut {
            guard connection.isClosed else { continue }
            // An answer may have come just as the connection closed: look once more before giving up.
            if answered.wait(timeout: .now()) == .success { break }
            throw HubError(.unavailable, "PostgreSQL at \(location) is unavailable: the connection closed before it answered")
        }
        return try outcomes.withLock { $0 }.map { outcome throws(HubError) in
            do { return try outcome.get() } catch { throw PostgresFailure.statementError(error, location) }
        }
    }

    /// How often a wait for an answer checks that the connection is still open.
    static let closedConnectionCheck = DispatchTimeInterval.milliseconds(500)
}
