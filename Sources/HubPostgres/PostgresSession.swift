import GRDB
import HubCore
import NIOCore
import PostgresNIO

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
        do {
            return try answer.wait()
        } catch {
            throw PostgresFailure.statementError(error, location)
        }
    }

    /// Waits for the queued statements without caring how they ended: before a `ROLLBACK`, which
    /// undoes them either way.
    func forgetUnanswered() {
        for future in unanswered { _ = try? future.wait() }
        unanswered = []
    }

    /// Waits for statements already sent (``PostgresConnection/query(_:logger:file:line:)`` futures),
    /// all of them; the first failure is thrown.
    func wait(_ futures: [EventLoopFuture<PostgresQueryResult>]) throws(HubError) {
        var failure: HubError?
        for future in futures {
            do { _ = try future.wait() } catch {
                failure = failure ?? PostgresFailure.statementError(error, location)
            }
        }
        if let failure { throw failure }
    }
}
