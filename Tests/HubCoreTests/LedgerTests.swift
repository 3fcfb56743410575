import Foundation
import GRDB
import HubTestSupport
import Testing
@testable import HubCore

@Suite("The ledger is the truth")
struct LedgerTests {
    @Test("after 5,000 random operations, every balance equals the sum of its ledger and none is negative")
    func invariantUnderRandomWork() async throws {
        let hub = try TemporaryHub(mode: .serviceProvider)
        try await hub.run(Admin.SettingsSet(starterCreditsEnabled: true, starterCredits: Amount(units: 3)))
        var random = SplitMix64(seed: 0x1ED6E8)
        var users: [String] = []
        var applied = 0, refused = 0
        for step in 0..<5_000 {
            if users.isEmpty || random.next() % 20 == 0 {
                let name = "user\(users.count)"
                try await hub.run(Admin.UsersAdd(name: name))
                users.append(name)
                continue
            }
            let user = users[Int(random.next() % UInt64(users.count))]
            let amount = Amount(nanos: Int64(random.next() % 5_000_000_000) + 1)
            do {
                switch random.next() % 4 {
                case 0: try await hub.run(Admin.UsersGrant(user: user, amount: amount, reason: "step \(step)", kind: .purchase))
                case 1: try await hub.run(Admin.UsersDeduct(user: user, amount: amount, reason: "step \(step)"))
                case 2:
                    try await hub.store.write { db in
                        let id = try Lookup.user(db, user).id!
                        try Ledger.post(db, userId: id, kind: .usage, amount: amount.negated, actor: "gateway",
                                        reason: "usage", idempotencyKey: "usage:req-\(step)", requestId: "req-\(step)")
                    }
                default:
                    // A replayed idempotency key must be refused and change nothing.
                    try await hub.run(Admin.UsersGrant(user: user, amount: amount, reason: "replay", idempotencyKey: "fixed-key"))
                }
                applied += 1
            } catch let error as HubError {
                #expect([.insufficientBalance, .duplicate].contains(error.code), "\(error)")
                refused += 1
            }
        }
        #expect(try hub.ledgerViolations() == [])
        #expect(applied > 1_000 && refused > 1_000, "applied \(applied), refused \(refused)")
        let replays = try hub.store.sqliteRead { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger WHERE idempotency_key = 'fixed-key'")
        }
        #expect(replays == 1)
    }

    @Test("an idempotency key rejects a replay and the balance moves once")
    func idempotencyRejectsReplay() async throws {
        let hub = try TemporaryHub()
        try await hub.run(Admin.UsersAdd(name: "alice"))
        let grant = Admin.UsersGrant(user: "alice", amount: Amount(units: 25), reason: "refund for outage", idempotencyKey: "ticket-42")
        let entry = try await hub.run(grant)
        #expect(entry.balanceAfter == Amount(units: 25))
        let before = try hub.snapshot()
        await #expect(throws: HubError(.duplicate, "idempotency key 'ticket-42' was already used by ledger entry #\(entry.id!): not applied again")) {
            try await hub.run(grant)
        }
        #expect(try hub.snapshot() == before)
    }

    @Test("a deduct below zero is refused and changes nothing")
    func deductBelowZero() async throws {
        let hub = try TemporaryHub()
        try await hub.run(Admin.UsersAdd(name: "bob"))
        try await hub.run(Admin.UsersGrant(user: "bob", amount: Amount(units: 5), reason: "trial"))
        let before = try hub.snapshot()
        await #expect(throws: HubError(.insufficientBalance, "bob has 5 credits: taking 5.5 would leave -0.5")) {
            try await hub.run(Admin.UsersDeduct(user: "bob", amount: Amount(nanos: 5_500_000_000), reason: "mistake"))
        }
        #expect(try hub.snapshot() == before)
    }

    @Test("the database refuses to rewrite or delete ledger entries")
    func ledgerIsAppendOnly() async throws {
        let hub = try TemporaryHub()
        try await hub.run(Admin.UsersAdd(name: "carol"))
        try await hub.run(Admin.UsersGrant(user: "carol", amount: Amount(units: 1), reason: "x"))
        #expect(throws: HubError.self) { try hub.store.sqliteWrite { db in try db.execute(sql: "UPDATE ledger SET amount = 0") } }
        #expect(throws: HubError.self) { try hub.store.sqliteWrite { db in try db.execute(sql: "DELETE FROM ledger") } }
        #expect(try hub.ledgerViolations() == [])
    }

    @Test("threads of one process granting and deducting at once lose nothing")
    func concurrentThreads() async throws {
        let hub = try TemporaryHub()
        try await hub.run(Admin.UsersAdd(name: "dora"))
        try await hub.run(Admin.UsersGrant(user: "dora", amount: Amount(units: 100), reason: "float"))
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for i in 0..<50 {
                        let amount = Amount(nanos: 250_000_000)
                        if i.isMultiple(of: 2) {
                            _ = try? await hub.run(Admin.UsersGrant(user: "dora", amount: amount, reason: "w\(worker)"))
                        } else {
                            _ = try? await hub.run(Admin.UsersDeduct(user: "dora", amount: amount, reason: "w\(worker)"))
                        }
                    }
                }
            }
        }
        let detail = try await hub.run(Admin.UsersShow(user: "dora"))
        #expect(detail.user.balance == Amount(units: 100))
        #expect(try hub.ledgerViolations() == [])
        let count = try hub.store.sqliteRead { db in try LedgerEntry.fetchCount(db) }
        #expect(count == 401)
    }
}
