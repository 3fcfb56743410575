import Foundation
import HubCore
import PostgresNIO

/// What `aigne-hub migrate` checked, on both sides, before it committed.
public struct CopyReport: Sendable {
    public struct TableCheck: Sendable, Equatable {
        public var table: String
        public var source: Int64
        public var target: Int64
    }
    public struct UserCheck: Sendable, Equatable {
        public var userId: Int64
        public var name: String
        public var sourceBalance: Int64
        public var sourceLedger: Int64
        public var targetBalance: Int64
        public var targetLedger: Int64
        public var holds: Bool {
            sourceBalance == sourceLedger && targetBalance == targetLedger && sourceBalance == targetBalance
        }
    }
    public var schema: SchemaOutcome
    public var tables: [TableCheck]
    public var users: [UserCheck]
    public var duration: Duration
    public var rows: Int64 { tables.reduce(0) { $0 + $1.source } }
}

/// Copies a stopped SQLite hub into an empty PostgreSQL database, in one transaction: every table
/// in dependency order, identity sequences set past the largest id, then a verification of row
/// counts per table and of every user's ledger sum against their balance, on both sides. Any
/// difference rolls the whole copy back and names the table or the user.
public enum HubCopy {
    /// Tables whose rows in the target are not a sign of another hub but were made for an empty
    /// one: the migrations' seeds, and the settings row `init --database` writes. The source's rows
    /// replace them; its settings bring its key check, so the nodes then use the source's secret.key
    /// (which sealed the copied provider secrets).
    static var replaced: Set<String> { PostgresSchema.seeded.union(["settings"]) }

    public static func copy(from store: HubStore, to database: PostgresStore, pageSize: Int = 1_000) async throws -> CopyReport {
        let started = ContinuousClock.now
        let tables = try store.exportedTables()
        let schema = try await database.prepareSchema()
        let location = database.location
        let (tableChecks, userChecks) = try await database.transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('aigne-hub migrate'))", logger: PostgresStore.quiet)
            try await refuseUnfit(tables, connection, location)
            try await setRollupTriggers(enabled: false, connection)
            for table in replaced.sorted() {   // the row the migrations or init made gives way to the source's
                try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(quoted(table))"), logger: PostgresStore.quiet)
            }
            for table in tables {
                for try await page in store.exportPages(of: table, pageSize: pageSize) {
                    try await insert(page, into: table, connection)
                }
                // Only an identity `id` has a sequence (`nodes.id` is text: max(id) would not be a number).
                if table.columns.contains(where: { $0.name == "id" }),
                   try await hasSequence(table.name, connection) {
                    try await connection.query(PostgresQuery(unsafeSQL: """
                        SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'), GREATEST(m, 1), m IS NOT NULL)
                        FROM (SELECT max(id) AS m FROM \(quoted(table.name))) s
                        """), logger: PostgresStore.quiet)
                }
            }
            try await setRollupTriggers(enabled: true, connection)
            return try await verify(tables, store, connection)
        }
        return CopyReport(schema: schema, tables: tableChecks, users: userChecks, duration: ContinuousClock.now - started)
    }

    /// Whether the table's `id` column draws from a sequence (an identity column).
    static func hasSequence(_ table: String, _ connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("SELECT pg_get_serial_sequence(\(table), 'id') IS NOT NULL", logger: PostgresStore.quiet)
        for try await has in rows.decode(Bool.self) { return has }
        return false
    }

    /// The rollups are copied as they are (events may have been pruned since they were counted), so
    /// the triggers that would count the copied events again are off during the copy.
    static func setRollupTriggers(enabled: Bool, _ connection: PostgresConnection) async throws {
        for (table, trigger) in PostgresSchema.rollupTriggers {
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(quoted(table)) \(enabled ? "ENABLE" : "DISABLE") TRIGGER \(quoted(trigger))"),
                                       logger: PostgresStore.quiet)
        }
    }

    /// Refuses, before anything is written, a target that lacks a table or column of the source
    /// (its schema is older than this hub's) or holds any row.
    static func refuseUnfit(_ tables: [ExportedTable], _ connection: PostgresConnection, _ location: PostgresLocation) async throws {
        var missing: [String] = []
        for table in tables {
            let columns = Set(try await PostgresStore.columns(of: table.name, connection).map(\.name))
            if columns.isEmpty { missing.append(table.name); continue }
            missing += table.columns.map(\.name).filter { !columns.contains($0) }.map { "\(table.name).\($0)" }
        }
        guard missing.isEmpty else {
            throw HubError(.failedPrecondition, "the PostgreSQL schema at \(location) lacks \(missing.joined(separator: ", ")) that this hub's SQLite database has: this aigne-hub has no PostgreSQL migration for it yet; nothing was copied")
        }
        var occupied: [String] = []
        for table in Set(tables.map(\.name)).union(PostgresSchema.tables).subtracting(replaced).sorted() {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT EXISTS (SELECT 1 FROM \(quoted(table)))"), logger: PostgresStore.quiet)
            for try await any in rows.decode(Bool.self) where any { occupied.append(table) }
        }
        guard occupied.isEmpty else {
            throw HubError(.failedPrecondition, "\(location) is not empty (rows in \(occupied.joined(separator: ", "))): migrate copies into an empty database only; nothing was copied")
        }
    }

    /// One multi-row INSERT per chunk of a page, every value bound (PostgreSQL takes at most 65,535
    /// parameters a statement).
    static func insert(_ rows: [[ExportValue]], into table: ExportedTable, _ connection: PostgresConnection) async throws {
        let width = table.columns.count
        let chunk = max(1, min(rows.count, 60_000 / width))
        let columns = table.columns.map { quoted($0.name) }.joined(separator: ", ")
        var start = 0
        while start < rows.count {
            let slice = rows[start..<min(start + chunk, rows.count)]
            var bindings = PostgresBindings(capacity: slice.count * width)
            var tuples: [String] = []
            tuples.reserveCapacity(slice.count)
            for row in slice {
                let first = bindings.count + 1
                tuples.append("(" + (first..<first + width).map { "$\($0)" }.joined(separator: ", ") + ")")
                for value in row { bind(value, into: &bindings) }
            }
            let sql = "INSERT INTO \(quoted(table.name)) (\(columns)) VALUES \(tuples.joined(separator: ", "))"
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: PostgresStore.quiet)
            start += chunk
        }
    }

    static func bind(_ value: ExportValue, into bindings: inout PostgresBindings) {
        switch value {
        case .null: bindings.appendNull()
        case .integer(let number): bindings.append(number)
        case .real(let number): bindings.append(number)
        case .text(let text): bindings.append(text)
        case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
        case .boolean(let flag): bindings.append(flag)
        case .date(let date): bindings.append(date)
        }
    }

    /// Row counts per table and every user's balance and ledger sum, SQLite next to PostgreSQL (the
    /// copy, inside its transaction). Throws on the first table or user that differs.
    static func verify(_ tables: [ExportedTable], _ store: HubStore, _ connection: PostgresConnection) async throws
        -> ([CopyReport.TableCheck], [CopyReport.UserCheck]) {
        var tableChecks: [CopyReport.TableCheck] = []
        for table in tables {
            var target: Int64 = 0
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(quoted(table.name))"), logger: PostgresStore.quiet)
            for try await count in rows.decode(Int64.self) { target = count }
            tableChecks.append(.init(table: table.name, source: try store.rowCount(of: table.name), target: target))
        }
        var targetUsers: [Int64: (balance: Int64, ledger: Int64)] = [:]
        let rows = try await connection.query("""
            SELECT u.id, u.balance, COALESCE((SELECT SUM(l.amount) FROM ledger l WHERE l.user_id = u.id), 0)::bigint
            FROM users u
            """, logger: PostgresStore.quiet)
        for try await (id, balance, ledger) in rows.decode((Int64, Int64, Int64).self) { targetUsers[id] = (balance, ledger) }
        let sourceUsers = try store.ledgerBalances()
        let userChecks = sourceUsers.map { user in
            CopyReport.UserCheck(userId: user.userId, name: user.name, sourceBalance: user.balance, sourceLedger: user.ledgerSum,
                                 targetBalance: targetUsers[user.userId]?.balance ?? 0, targetLedger: targetUsers[user.userId]?.ledger ?? 0)
        }
        if let table = tableChecks.first(where: { $0.source != $0.target }) {
            throw HubError(.failedPrecondition, "verification failed, nothing was copied: table \(table.table) has \(table.source) rows in SQLite and \(table.target) in PostgreSQL")
        }
        if let user = userChecks.first(where: { !$0.holds }) {
            throw HubError(.failedPrecondition, """
                verification failed, nothing was copied: user \(user.userId) (\(user.name)) has balance \(Amount(nanos: user.sourceBalance)) \
                and ledger sum \(Amount(nanos: user.sourceLedger)) in SQLite, balance \(Amount(nanos: user.targetBalance)) and \
                ledger sum \(Amount(nanos: user.targetLedger)) in PostgreSQL
                """)
        }
        if targetUsers.count != sourceUsers.count {
            throw HubError(.failedPrecondition, "verification failed, nothing was copied: \(sourceUsers.count) users in SQLite, \(targetUsers.count) in PostgreSQL")
        }
        return (tableChecks, userChecks)
    }

    static func quoted(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
