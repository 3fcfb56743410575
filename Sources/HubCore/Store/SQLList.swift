import GRDB

/// SQL for lists of values: placeholders, multi-row VALUES, chunks that stay under both backends'
/// limits on a statement's parameters (SQLite: 32,766; PostgreSQL: 65,535) and rows of a VALUES list
/// (500, SQLite's compound-select limit, where older versions count each row).
enum SQLList {
    static let maxParameters = 30_000
    static let maxRows = 500

    /// `?, ?, ?` for `count` values.
    static func of(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }

    /// `(?, ?), (?, ?)` for `count` rows of `columns` values.
    static func rows(_ count: Int, of columns: Int) -> String {
        Array(repeating: "(" + of(columns) + ")", count: count).joined(separator: ", ")
    }

    /// `items` in chunks whose parameters (`rowsOf` each) fit in one statement.
    static func chunks<T>(_ items: [T], rowsOf columns: Int = 1) -> [ArraySlice<T>] {
        let size = max(1, min(maxRows, maxParameters / columns))
        return stride(from: 0, to: items.count, by: size).map { items[$0..<min($0 + size, items.count)] }
    }

    /// `UPDATE table SET column = CASE id WHEN ? THEN ? … END WHERE id IN (…)`, in chunks, queued
    /// (``StoreDB/executeQueued(sql:arguments:)``).
    static func updateByID(table: String, column: String, values: [(Int64, Amount)], _ db: StoreDB) throws {
        for chunk in chunks(values, rowsOf: 3) where !chunk.isEmpty {
            var arguments = StoreArguments()
            for (id, value) in chunk { arguments += [id, value] }
            arguments += StoreArguments(chunk.map(\.0))
            try db.executeQueued(sql: """
                UPDATE \(table) SET \(column) = CASE id \(Array(repeating: "WHEN ? THEN CAST(? AS BIGINT)", count: chunk.count).joined(separator: " ")) END
                WHERE id IN (\(of(chunk.count)))
                """, arguments: arguments)
        }
    }
}

extension StoreArguments {
    init(_ values: some Collection<some DatabaseValueConvertible>) {
        self.init(values.map { $0 as (any DatabaseValueConvertible)? })
    }
}
