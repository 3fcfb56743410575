import GRDB
import HubCore
import NIOCore
import PostgresNIO

/// One transaction's statements on one PostgreSQL connection, sent from a thread of
/// ``PostgresBackend``'s own pool that may block: each ``run(_:_:)`` sends a statement with the
/// extended protocol (postgres-nio's `EventLoopFuture` API) and waits for the whole answer.
///
/// Never used from an event loop or a Swift-concurrency thread (`wait()` would stall them); never
/// shared between threads (one transaction, one thread, one connection), so it needs no lock and
/// is not `Sendable`.
final class PostgresSession: ServerSession {
    let connection: PostgresConnection
    let location: PostgresLocation

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

    /// Sends one statement and blocks this thread until the server has answered it in full.
    func send(_ query: PostgresQuery) throws(HubError) -> PostgresQueryResult {
        do {
            return try connection.query(query, logger: PostgresStore.quiet).wait()
        } catch {
            throw PostgresFailure.statementError(error, location)
        }
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
