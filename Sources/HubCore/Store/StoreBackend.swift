import Foundation
import GRDB

/// A database that runs transactions: the seam between the hub's domain and where its state lives.
///
/// The body of a transaction is synchronous and sees a ``StoreDB``; the backend runs it where
/// blocking is allowed (GRDB's writer queue for SQLite, a thread of its own pool for PostgreSQL),
/// so the caller only awaits. Writes are serialised across every process and node that shares the
/// database (SQLite's write lock; a PostgreSQL advisory lock), so a read-modify-write of a balance
/// never interleaves with another; reads see one consistent snapshot.
package protocol StoreBackend: Sendable {
    var kind: StoreKind { get }
    func read<T: Sendable>(_ body: @escaping @Sendable (StoreDB) throws -> T) async throws -> T
    func write<T: Sendable>(_ body: @escaping @Sendable (StoreDB) throws -> T) async throws -> T
    /// A stream that yields soon after another process or node commits a change of configuration
    /// or a ledger entry (PostgreSQL's LISTEN/NOTIFY); nil where there is none, and pollers poll.
    func changeNotifications() -> AsyncStream<Void>?
}

extension StoreBackend {
    package func changeNotifications() -> AsyncStream<Void>? { nil }
}

/// SQLite through GRDB: a `DatabasePool` in WAL mode (IMMEDIATE write transactions).
struct SQLiteBackend: StoreBackend {
    let pool: DatabasePool
    var kind: StoreKind { .sqlite }

    func read<T: Sendable>(_ body: @escaping @Sendable (StoreDB) throws -> T) async throws -> T {
        try await pool.read { db in try body(StoreDB(sqlite: db)) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (StoreDB) throws -> T) async throws -> T {
        try await pool.write { db in try body(StoreDB(sqlite: db)) }
    }
}
