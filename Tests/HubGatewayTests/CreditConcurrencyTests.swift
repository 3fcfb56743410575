import Foundation
import GRDB
import Testing
import HubTestSupport

/// 200 concurrent requests from one user whose balance covers about 20 of them: no overdraft,
/// the ledger adds up, and every successful request is charged exactly once.
@Suite struct CreditConcurrencyTests {
    @Test func concurrentRequestsNeverOverdraw() async throws {
        // The mock answers slowly so that all requests are in flight together.
        let fixture = try HubFixture(mockArguments: ["--latency-ms", "300"])
        // A request reserves about 0.06 credits (estimated prompt + 10 output tokens) and costs 0.027.
        let user = try fixture.user("buyer", credits: "1.2")
        try await Task.sleep(for: .milliseconds(600))
        let url = fixture.baseURL + "/chat/completions"
        let replies = try await withThrowingTaskGroup(of: TestHTTP.Reply.self) { group in
            for _ in 0..<200 {
                group.addTask { try await TestHTTP.post(url, key: user.key, body: TestHTTP.chatBody(maxTokens: 10)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let succeeded = replies.filter { $0.status == 200 }
        let refused = replies.filter { $0.status == 402 }
        #expect(succeeded.count + refused.count == 200, "unexpected statuses: \(Set(replies.map(\.status)))")
        #expect(succeeded.count >= 15 && succeeded.count <= 44, "\(succeeded.count) succeeded")
        #expect(refused.allSatisfy { $0.body.contains("insufficient credits") })

        let database = try fixture.database()
        // Every request is metered, refused ones included.
        #expect(try await fixture.eventually {
            try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM usage_events") } == 200
        })
        try await database.read { db in
            let charges = try Row.fetchAll(db, sql: "SELECT request_id, amount FROM ledger WHERE kind = 'usage'")
            let charged = Dictionary(grouping: charges.map { $0["request_id"] as String }, by: { $0 })
            let successIds = Set(succeeded.compactMap(\.requestId))
            #expect(successIds.count == succeeded.count)
            #expect(Set(charged.keys) == successIds, "charged requests differ from successful ones")
            #expect(charged.values.allSatisfy { $0.count == 1 }, "a request was charged twice")
            let balance = try Int64.fetchOne(db, sql: "SELECT balance FROM users WHERE id = ?", arguments: [user.id]) ?? -1
            #expect(balance >= 0)
            let perRequest = try Int64.fetchAll(db, sql: "SELECT -amount FROM ledger WHERE kind = 'usage'")
            #expect(perRequest.allSatisfy { $0 == 27_000_000 }, "each call costs 0.027 credits: \(Set(perRequest))")
        }
        #expect(try fixture.ledgerInvariantHolds())
    }

    @Test func grantMadeByTheCLIAppliesWithinASecond() async throws {
        let fixture = try HubFixture()
        let user = try fixture.user("late")
        try await Task.sleep(for: .milliseconds(1000))
        let url = fixture.baseURL + "/chat/completions"
        #expect(try await TestHTTP.post(url, key: user.key, body: TestHTTP.chatBody()).status == 402)
        try fixture.admin(["users", "grant", "late", "1", "--reason", "top-up"])
        try await Task.sleep(for: .milliseconds(1000))
        #expect(try await TestHTTP.post(url, key: user.key, body: TestHTTP.chatBody()).status == 200)
        // A mode switch, too: enterprise mode charges nothing.
        try fixture.admin(["mode", "set", "enterprise"])
        try await Task.sleep(for: .milliseconds(1000))
        let reply = try await TestHTTP.post(url, key: user.key, body: TestHTTP.chatBody())
        #expect(reply.status == 200)
        let database = try fixture.database()
        #expect(try await fixture.eventually {
            try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM usage_events WHERE request_id = ?",
                                                 arguments: [reply.requestId]) } == 1
        })
        try await database.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT credits_charged, provider_cost FROM usage_events WHERE request_id = ?",
                                       arguments: [reply.requestId])
            #expect(row?["credits_charged"] == 0)
            // Enterprise chargeback: the provider's cost (0.5/1K in, 1/1K out; 7 in, 10 out) = 0.0135 USD.
            #expect(row?["provider_cost"] == 13_500_000)
        }
    }
}
