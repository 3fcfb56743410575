import Foundation
import GRDB

/// A read-only, streaming export of a SQLite hub's tables, for copying a hub into another database
/// (`aigne-hub migrate --to postgres://…`). It reads SQLite's catalog and rowids: on a hub on
/// PostgreSQL these throw `failedPrecondition` (the SQLite-only operations' error). Nothing here writes; GRDB stays inside HubCore: the
/// copier sees table and column descriptions and typed values only.
///
/// Values are typed by the column's declared type, as the migrations declare it: `DATETIME` comes
/// out as a `Date` (GRDB's UTC text, read back exactly), `BOOLEAN` as a `Bool`, so the receiving
/// database can store them as its own types (timestamptz, boolean).
package enum ExportValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case boolean(Bool)
    case date(Date)
}

/// A column of an exported table and how its values are typed.
package struct ExportedColumn: Sendable, Equatable {
    package enum Kind: String, Sendable { case integer, real, text, blob, boolean, date }
    package var name: String
    package var kind: Kind
}

/// A table of the hub, its columns in declaration order, and the tables it references.
package struct ExportedTable: Sendable, Equatable {
    package var name: String
    package var columns: [ExportedColumn]
    package var references: [String]
}

/// A user's balance and the sum of their ledger: equal in every consistent hub.
package struct LedgerBalance: Sendable, Equatable {
    package var userId: Int64
    package var name: String
    package var balance: Int64
    package var ledgerSum: Int64
}

extension HubStore {
    /// The identifiers of every migration this binary knows, in order (the schema's versions).
    package static var migrationIdentifiers: [String] { Schema.migrator.migrations }

    /// The hub's tables (GRDB's bookkeeping left out), each after every table it references, so
    /// that copying them in this order never breaks a foreign key.
    package func exportedTables() throws(HubError) -> [ExportedTable] {
        try sqliteRead { db in
            let names = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master
                WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations' ORDER BY name
                """)
            var tables: [String: ExportedTable] = [:]
            for name in names {
                let columns = try db.columns(in: name).map { column in
                    ExportedColumn(name: column.name, kind: try Self.kind(of: column.type, table: name, column: column.name))
                }
                let references = try db.foreignKeys(on: name).map(\.destinationTable).filter { $0 != name }
                tables[name] = ExportedTable(name: name, columns: columns, references: Array(Set(references)).sorted())
            }
            var ordered: [ExportedTable] = []
            var placed: Set<String> = []
            while ordered.count < names.count {
                let ready = names.filter { !placed.contains($0) && tables[$0]!.references.allSatisfy(placed.contains) }
                guard !ready.isEmpty else {
                    throw HubError(.internal, "the tables' foreign keys form a cycle: \(names.filter { !placed.contains($0) })")
                }
                for name in ready { ordered.append(tables[name]!); placed.insert(name) }
            }
            return ordered
        }
    }

    /// The number of rows of `table` (one of ``exportedTables()``).
    package func rowCount(of table: String) throws(HubError) -> Int64 {
        try sqliteRead { db in try Int64.fetchOne(db, sql: "SELECT count(*) FROM \(table.quotedDatabaseIdentifier)") ?? 0 }
    }

    /// Every user's balance next to the sum of their ledger, by user id.
    package func ledgerBalances() throws(HubError) -> [LedgerBalance] {
        try sqliteRead { db in
            try Row.fetchAll(db, sql: """
                SELECT u.id, u.name, u.balance, COALESCE((SELECT SUM(l.amount) FROM ledger l WHERE l.user_id = u.id), 0) AS total
                FROM users u ORDER BY u.id
                """).map { LedgerBalance(userId: $0["id"], name: $0["name"], balance: $0["balance"], ledgerSum: $0["total"]) }
        }
    }

    /// The rows of `table`, `pageSize` at a time in storage order, each page its own read: memory
    /// stays bounded whatever the table's size. Read it while no hub writes (`migrate` holds the
    /// hub's lock); the copier verifies the counts afterwards.
    package func exportPages(of table: ExportedTable, pageSize: Int = 1_000) -> ExportPages {
        ExportPages(store: self, table: table, pageSize: pageSize)
    }

    private static func kind(of declared: String, table: String, column: String) throws(HubError) -> ExportedColumn.Kind {
        switch declared.uppercased() {
        case "INTEGER", "INT", "BIGINT": .integer
        case "DOUBLE", "REAL", "FLOAT": .real
        case "TEXT", "": .text
        case "BLOB": .blob
        case "BOOLEAN": .boolean
        case "DATETIME", "DATE": .date
        default: throw HubError(.internal, "\(table).\(column) has a type the export does not know: \(declared)")
        }
    }
}

/// The pages of one table (see ``HubStore/exportPages(of:pageSize:)``).
package struct ExportPages: AsyncSequence, Sendable {
    package typealias Element = [[ExportValue]]
    let store: HubStore
    let table: ExportedTable
    let pageSize: Int

    package struct AsyncIterator: AsyncIteratorProtocol {
        let pages: ExportPages
        var lastRowid: Int64 = 0
        var finished = false

        package mutating func next() async throws -> [[ExportValue]]? {
            guard !finished else { return nil }
            let table = pages.table
            let columns = table.columns.map(\.name.quotedDatabaseIdentifier).joined(separator: ", ")
            let sql = "SELECT rowid, \(columns) FROM \(table.name.quotedDatabaseIdentifier) WHERE rowid > ? ORDER BY rowid LIMIT ?"
            let (rows, last) = try pages.store.sqliteRead { db in
                var rows: [[ExportValue]] = []
                var last: Int64?
                let cursor = try Row.fetchCursor(db, sql: sql, arguments: [lastRowid, pages.pageSize])
                while let row = try cursor.next() {
                    let rowid: Int64 = row[0]
                    last = rowid
                    rows.append(try table.columns.enumerated().map { index, column in
                        try ExportPages.value(row[index + 1] as DatabaseValue, column, table: table.name, rowid: rowid)
                    })
                }
                return (rows, last)
            }
            guard let last else { finished = true; return nil }
            lastRowid = last
            if rows.count < pages.pageSize { finished = true }
            return rows
        }
    }

    package func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pages: self) }

    static func value(_ value: DatabaseValue, _ column: ExportedColumn, table: String, rowid: Int64) throws -> ExportValue {
        if value.isNull { return .null }
        let unreadable = HubError(.storage, "\(table).\(column.name) of row \(rowid) is not a \(column.kind.rawValue): \(value)")
        switch (column.kind, value.storage) {
        case (.date, _):
            guard let date = Date.fromDatabaseValue(value) else { throw unreadable }
            return .date(date)
        case (.boolean, .int64(let number)): return .boolean(number != 0)
        case (.real, .int64(let number)): return .real(Double(number))
        case (_, .int64(let number)) where column.kind == .integer: return .integer(number)
        case (_, .double(let number)) where column.kind == .real: return .real(number)
        case (_, .string(let text)) where column.kind == .text: return .text(text)
        case (_, .blob(let data)) where column.kind == .blob: return .blob([UInt8](data))
        default: throw unreadable
        }
    }
}
