import HubCore
import PostgresNIO

extension PostgresFailure {
    /// What a failed statement means to the hub, as `HubError(from:)` says it for SQLite.
    ///
    /// - unique and exclusion violations (23505, 23P01) → `alreadyExists`, "conflicts with an
    ///   existing record: …" (SQLite's wording, so callers and tests read one message);
    /// - other integrity violations (23502 NOT NULL, 23503 foreign key, 23514 CHECK) → `invalidArgument`
    ///   (SQLite says `alreadyExists` for every constraint; PostgreSQL tells them apart, so do we);
    /// - a serialization failure or deadlock (40001, 40P01), a cancelled statement (57014), an
    ///   administrator's shutdown (57P…), a lost connection (08…, or no server answer at all) →
    ///   `unavailable`, naming the location without its password; so is a lock not granted within
///   the session's `lock_timeout` (55P03: another node holds the write lock too long);
    /// - anything else → `storage`, with the server's message and SQLSTATE.
    ///
    /// A ``HubError`` (thrown by a transaction's body, or made here already) passes through unchanged.
    static func statementError(_ error: any Error, _ location: PostgresLocation) -> HubError {
        if let error = error as? HubError { return error }
        guard let error = error as? PSQLError else {
            return HubError(.unavailable, "PostgreSQL at \(location) failed: \(String(describing: error))")
        }
        guard let info = error.serverInfo, let message = info[.message] else {
            return hubError(error, location, doing: "use")   // no server answer: the connection's story
        }
        let state = info[.sqlState] ?? ""
        let detail = info[.detail].map { " (\($0))" } ?? ""
        switch state {
        case "23505", "23P01":
            return HubError(.alreadyExists, "conflicts with an existing record: \(message)\(detail)")
        case _ where state.hasPrefix("23"):
            return HubError(.invalidArgument, "the database refused the change: \(message)\(detail) [SQLSTATE \(state)]")
        case "55P03":
            return HubError(.unavailable, """
                PostgreSQL at \(location): a lock was not granted in time (\(message)): another node holds the hub's \
                write lock for too long, or hangs inside a transaction; try again [SQLSTATE 55P03]
                """)
        case "40001", "40P01", "57014":
            return HubError(.unavailable, "PostgreSQL at \(location) gave up on the transaction: \(message) [SQLSTATE \(state)]: try again")
        case _ where state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300":
            return HubError(.unavailable, "PostgreSQL at \(location) is unavailable: \(message) [SQLSTATE \(state)]")
        default:
            return HubError(.storage, "database error: \(message)\(detail) [SQLSTATE \(state)]")
        }
    }
}
