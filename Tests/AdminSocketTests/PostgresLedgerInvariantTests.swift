import Foundation
import GRDB
import HubAdmin
@testable import HubCore
import HubTestSupport
import Testing

/// The ledger's invariants on PostgreSQL, under concurrent grants and deducts in a seeded random
/// order: every user's ledger sums to their balance, no balance is negative, and each entry's
/// `balance_after` continues the one before it.
@Suite("Ledger invariants on PostgreSQL")
struct PostgresLedgerInvariantTests {
    @Test("random concurrent grants and deducts keep ledger sum = balance, never negative")
    func randomGrantsAndDeducts() async throws {
        try await withPostgresHub { postgres in
            let connection = postgres.connection()
            let users = ["ann", "ben", "cat", "dan"]
            for name in users { _ = try await connection.call(Admin.UsersAdd(name: name)) }
            let seed = UInt64(Date().timeIntervalSince1970)
            var random = SplitMix64(seed: seed)
            // Each task's operations, drawn up front so the run is the seed's.
            let tasks: [[(user: String, nanos: Int64, grant: Bool)]] = (0..<8).map { _ in
                (0..<25).map { _ in
                    (users[Int(random.next() % UInt64(users.count))], Int64(random.next() % 5_000) + 1, random.next() % 3 == 0)
                }
            }
            let outcomes = try await withThrowingTaskGroup(of: (ok: Int, refused: Int).self) { group in
                for operations in tasks {
                    group.addTask {
                        var ok = 0, refused = 0
                        for op in operations {
                            do {
                                if op.grant {
                                    _ = try await connection.call(Admin.UsersGrant(user: op.user, amount: Amount(nanos: op.nanos * 3), reason: "top-up"))
                                } else {
                                    _ = try await connection.call(Admin.UsersDeduct(user: op.user, amount: Amount(nanos: op.nanos), reason: "use"))
                                }
                                ok += 1
                            } catch let error as HubError where error.code == .insufficientBalance {
                                refused += 1
                            }
                        }
                        return (ok, refused)
                    }
                }
                return try await group.reduce(into: (ok: 0, refused: 0)) { $0.ok += $1.ok; $0.refused += $1.refused }
            }
            #expect(outcomes.ok > 0, "seed \(seed)")
            let rows = try await postgres.hub.store.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT u.name AS name, u.balance AS balance, COALESCE(SUM(l.amount), 0) AS total, COUNT(l.id) AS entries
                    FROM users u LEFT JOIN ledger l ON l.user_id = u.id GROUP BY u.id, u.name, u.balance
                    """).map { (name: $0["name"] as String, balance: $0["balance"] as Int64, total: $0["total"] as Int64,
                                entries: $0["entries"] as Int) }
            }
            #expect(rows.count == users.count)
            #expect(rows.reduce(0) { $0 + $1.entries } == outcomes.ok, "seed \(seed)")
            for row in rows {
                #expect(row.total == row.balance, "\(row.name): ledger \(row.total) ≠ balance \(row.balance) (seed \(seed))")
                #expect(row.balance >= 0, "\(row.name) negative (seed \(seed))")
            }
            // Each entry's balance_after is the previous one's plus its amount.
            let chains = try await postgres.hub.store.read { db in
                try Row.fetchAll(db, sql: "SELECT user_id, amount, balance_after FROM ledger ORDER BY user_id, id")
                    .map { (user: $0["user_id"] as Int64, amount: $0["amount"] as Int64, after: $0["balance_after"] as Int64) }
            }
            var last: [Int64: Int64] = [:]
            for entry in chains {
                #expect((last[entry.user] ?? 0) + entry.amount == entry.after, "user #\(entry.user) (seed \(seed))")
                last[entry.user] = entry.after
            }
        }
    }
}
