import Foundation
import GRDB

/// Records read and written through ``StoreDB``, with GRDB's names, on either backend.
///
/// On SQLite these are GRDB's own operations. On PostgreSQL the SQL is made from the record's
/// columns (`databaseDictionary`): an insert leaves out a nil `id` (the server numbers it) and reads
/// the row back (`RETURNING *`), so the record gets its id and the defaults the table filled in.
extension HubRecord {
    public static var storeKeyColumn: String { "id" }

    /// Inserts the record; a nil `id` is set to the id the database gave it.
    package mutating func insert(_ db: StoreDB) throws {
        if let sqlite = db.sqliteDatabase {
            try insert(sqlite)
            return
        }
        let columns = try databaseDictionary.filter { !($0.key == Self.storeKeyColumn && $0.value.isNull) }
            .sorted { $0.key < $1.key }
        let sql = "INSERT INTO \(Self.databaseTableName) (\(columns.map(\.key).joined(separator: ", "))) "
            + "VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", "))) RETURNING *"
        guard let row = try db.rows(sql: sql, arguments: StoreArguments(columns.map(\.value))).first else {
            throw HubError(.storage, "inserting into \(Self.databaseTableName) returned no row")
        }
        self = try Self(row: row)
    }

    /// Writes every column of the record to its row; `notFound` when the row is gone.
    package func update(_ db: StoreDB) throws {
        if let sqlite = db.sqliteDatabase {
            do { try update(sqlite) } catch RecordError.recordNotFound {
                throw HubError.notFound("\(Self.databaseTableName) row not found")
            }
            return
        }
        let values = try databaseDictionary
        guard let key = values[Self.storeKeyColumn] else {
            throw HubError(.internal, "\(Self.self) has no \(Self.storeKeyColumn) column")
        }
        let columns = values.filter { $0.key != Self.storeKeyColumn }.sorted { $0.key < $1.key }
        try db.execute(
            sql: "UPDATE \(Self.databaseTableName) SET \(columns.map { "\($0.key) = ?" }.joined(separator: ", ")) "
                + "WHERE \(Self.storeKeyColumn) = ?",
            arguments: StoreArguments(columns.map(\.value) + [key]))
        guard db.changesCount > 0 else { throw HubError.notFound("\(Self.databaseTableName) row not found") }
    }

    /// Deletes the record's row; false when there was none.
    @discardableResult
    package func delete(_ db: StoreDB) throws -> Bool {
        guard let key = try databaseDictionary[Self.storeKeyColumn] else {
            throw HubError(.internal, "\(Self.self) has no \(Self.storeKeyColumn) column")
        }
        return try Self.deleteOne(db, key: key)
    }

    /// The row whose primary key is `key`.
    package static func fetchOne(_ db: StoreDB, key: some DatabaseValueConvertible) throws -> Self? {
        try fetchOne(db, sql: "SELECT * FROM \(databaseTableName) WHERE \(storeKeyColumn) = ?", arguments: [key])
    }

    /// Deletes the row whose primary key is `key`; false when there was none.
    @discardableResult
    package static func deleteOne(_ db: StoreDB, key: some DatabaseValueConvertible) throws -> Bool {
        try db.execute(sql: "DELETE FROM \(databaseTableName) WHERE \(storeKeyColumn) = ?", arguments: [key])
        return db.changesCount > 0
    }

    /// The first row of the table by primary key (the one row of a one-row table such as `settings`).
    package static func fetchOne(_ db: StoreDB) throws -> Self? {
        try fetchOne(db, sql: "SELECT * FROM \(databaseTableName) ORDER BY \(storeKeyColumn) LIMIT 1")
    }

    /// Every row of the table, by primary key.
    package static func fetchAll(_ db: StoreDB) throws -> [Self] {
        try fetchAll(db, sql: "SELECT * FROM \(databaseTableName) ORDER BY \(storeKeyColumn)")
    }

    /// How many rows the table has.
    package static func fetchCount(_ db: StoreDB) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM \(databaseTableName)") ?? 0
    }
}
