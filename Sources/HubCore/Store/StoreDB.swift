import Foundation
import GRDB

/// Which database server keeps a hub's state.
public enum StoreKind: String, Sendable, Codable {
    /// One `hub.sqlite` file in the data directory, through GRDB (the default).
    case sqlite
    /// A PostgreSQL database shared by any number of hub nodes, through postgres-nio.
    case postgres
}

/// The positional arguments of one statement (`?` in its SQL), written as an array literal:
/// `arguments: [userId, amount]`. Values are GRDB's (`DatabaseValue`), whatever the backend.
package struct StoreArguments: ExpressibleByArrayLiteral, Sendable {
    package var values: [DatabaseValue]

    package init(_ values: [(any DatabaseValueConvertible)?]) {
        self.values = values.map { $0?.databaseValue ?? .null }
    }

    package init(arrayLiteral elements: (any DatabaseValueConvertible)?...) { self.init(elements) }

    package static func += (lhs: inout StoreArguments, rhs: StoreArguments) { lhs.values += rhs.values }

    package static func + (lhs: StoreArguments, rhs: StoreArguments) -> StoreArguments {
        var sum = lhs
        sum += rhs
        return sum
    }

    var statementArguments: StatementArguments { StatementArguments(values) }
}

/// What a database server answered to one statement: its columns and rows (none for a command)
/// and how many rows the statement changed.
package struct ServerResult {
    package var columns: [String]
    package var rows: [[DatabaseValue]]
    package var changes: Int

    package init(columns: [String] = [], rows: [[DatabaseValue]] = [], changes: Int = 0) {
        self.columns = columns; self.rows = rows; self.changes = changes
    }
}

/// One transaction on a database server (PostgreSQL), driven from one thread: each call sends one
/// statement, written in the portable SQL of ``StoreDB`` with `?` placeholders, and blocks until the
/// server answers. The backend that made it begins and ends the transaction around the body.
package protocol ServerSession: AnyObject {
    func run(_ sql: String, _ arguments: [DatabaseValue]) throws -> ServerResult
    /// Sends one statement and returns without its answer: the next ``run(_:_:)`` (or the commit)
    /// waits for it together with its own statement, and throws its failure first.
    func enqueue(_ sql: String, _ arguments: [DatabaseValue]) throws
}

/// The database as a transaction's body sees it, on either backend: SQL with `?` placeholders and
/// records read and written by their columns. Handed out by ``HubStore/read(_:)`` and
/// ``HubStore/write(_:)``; valid only inside that body.
///
/// SQL given here must mean the same on SQLite and PostgreSQL: one statement per call; `COALESCE`,
/// not `IFNULL`; `TRUE`/`FALSE` for booleans; `ON CONFLICT ... DO ...`, not `INSERT OR ...`;
/// `lower(name)` for case-insensitive names; time keys from ``StoreDB/dayKey(_:)`` and its kin.
/// Where the two must differ, branch on ``kind``.
/// On PostgreSQL a `?` takes its type from where it stands: write `CAST(? AS BIGINT)` where the server cannot tell (`? IS NULL`, `SELECT ?`, `COALESCE(?, 0)`); and a failed statement aborts the whole transaction there, so never catch a database error and go on.
package final class StoreDB {
    package let kind: StoreKind
    private let sqlite: Database?
    private let server: (any ServerSession)?
    /// Rows changed by the last ``execute(sql:arguments:)``.
    package private(set) var changesCount = 0

    init(sqlite db: Database) {
        kind = .sqlite; sqlite = db; server = nil
    }

    package init(server session: any ServerSession) {
        kind = .postgres; sqlite = nil; server = session
    }

    /// Runs one statement that returns no rows.
    package func execute(sql: String, arguments: StoreArguments = []) throws {
        if let db = sqlite {
            try db.cachedStatement(sql: sql).execute(arguments: arguments.statementArguments)
            changesCount = db.changesCount
        } else {
            changesCount = try server!.run(sql, arguments.values).changes
        }
    }

    /// Runs one statement that returns no rows and whose effect the body does not read back at once
    /// (``changesCount`` is left as it was). On SQLite it runs now, as ``execute(sql:arguments:)``
    /// does. On PostgreSQL it is sent without waiting for the answer, and the next statement that
    /// waits, or the commit, collects it: statements sent back to back cost one wait of the
    /// transaction's thread instead of one each. A failure is thrown there, by that later call (by the
    /// commit when no statement follows), and the transaction is rolled back all the same.
    package func executeQueued(sql: String, arguments: StoreArguments = []) throws {
        if sqlite != nil {
            try execute(sql: sql, arguments: arguments)
        } else {
            try server!.enqueue(sql, arguments.values)
        }
    }

    /// The rows of one query. Read their columns by name, never by position (a PostgreSQL row is
    /// made from a dictionary), and name every computed column with `AS`.
    package func rows(sql: String, arguments: StoreArguments = []) throws -> [Row] {
        if let db = sqlite {
            return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments.statementArguments)
        }
        let result = try server!.run(sql, arguments.values)
        return result.rows.map { values in
            Row(Dictionary(zip(result.columns, values.map { $0 as (any DatabaseValueConvertible)? }),
                           uniquingKeysWith: { first, _ in first }))
        }
    }

    /// The first column of each row of one query.
    package func values(sql: String, arguments: StoreArguments = []) throws -> [DatabaseValue] {
        if let db = sqlite {
            return try DatabaseValue.fetchAll(db.cachedStatement(sql: sql), arguments: arguments.statementArguments)
        }
        return try server!.run(sql, arguments.values).rows.map { $0.first ?? .null }
    }

    /// The SQLite connection, for what only SQLite has (nil on PostgreSQL).
    var sqliteDatabase: Database? { sqlite }
}

// MARK: - Time keys and other dialect differences

extension StoreDB {
    /// The UTC day (`YYYY-MM-DD`) of a time column, as the rollups key it.
    package func dayKey(_ column: String) -> String {
        kind == .sqlite ? "substr(\(column), 1, 10)" : "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    }

    /// The UTC month (`YYYY-MM`) of a time column.
    package func monthKey(_ column: String) -> String {
        kind == .sqlite ? "substr(\(column), 1, 7)" : "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM')"
    }

    /// The UTC hour (`YYYY-MM-DD HH`) of a time column, as the hourly rollups key it.
    package func hourKey(_ column: String) -> String {
        kind == .sqlite ? "substr(\(column), 1, 13)" : "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"
    }

    /// A text expression to order by as SQLite's BINARY collation does (by code point): PostgreSQL
    /// orders text by the database's collation, often a linguistic one (`en_US`: case and
    /// punctuation weigh less), so there it says `COLLATE "C"`.
    package func binaryOrder(_ expression: String) -> String {
        kind == .sqlite ? expression : "\(expression) COLLATE \"C\""
    }

    /// The larger of two integer expressions.
    package func greatest(_ a: String, _ b: String) -> String {
        kind == .sqlite ? "max(\(a), \(b))" : "GREATEST(\(a), \(b))"
    }

    /// The smaller of two integer expressions.
    package func least(_ a: String, _ b: String) -> String {
        kind == .sqlite ? "min(\(a), \(b))" : "LEAST(\(a), \(b))"
    }
}

// MARK: - Reading values and records, with GRDB's names

extension DatabaseValueConvertible {
    /// The first column of the first row (nil when there is no row or it is NULL).
    package static func fetchOne(_ db: StoreDB, sql: String, arguments: StoreArguments = []) throws -> Self? {
        guard let value = try db.values(sql: sql, arguments: arguments).first else { return nil }
        return try decode(value, sql)
    }

    /// The first column of every row (a NULL is an error: select what cannot be NULL).
    package static func fetchAll(_ db: StoreDB, sql: String, arguments: StoreArguments = []) throws -> [Self] {
        try db.values(sql: sql, arguments: arguments).map { value in
            guard let decoded = try decode(value, sql) else {
                throw HubError(.internal, "NULL where \(Self.self) was expected: \(sql)")
            }
            return decoded
        }
    }

    private static func decode(_ value: DatabaseValue, _ sql: String) throws -> Self? {
        if value.isNull { return nil }
        guard let decoded = Self.fromDatabaseValue(value) else {
            throw HubError(.internal, "cannot read \(value) as \(Self.self): \(sql)")
        }
        return decoded
    }
}

extension FetchableRecord {
    package static func fetchAll(_ db: StoreDB, sql: String, arguments: StoreArguments = []) throws -> [Self] {
        try db.rows(sql: sql, arguments: arguments).map { try Self(row: $0) }
    }

    package static func fetchOne(_ db: StoreDB, sql: String, arguments: StoreArguments = []) throws -> Self? {
        try db.rows(sql: sql, arguments: arguments).first.map { try Self(row: $0) }
    }
}

extension Row {
    package static func fetchAll(_ db: StoreDB, sql: String, arguments: StoreArguments = []) throws -> [Row] {
        try db.rows(sql: sql, arguments: arguments)
    }

    package static func fetchOne(_ db: StoreDB, sql: String, arguments: StoreArguments = []) throws -> Row? {
        try db.rows(sql: sql, arguments: arguments).first
    }
}
