import Foundation
import GRDB
import Testing

/// Budgets on the request path (issue 12), with real hub processes: a team's daily budget across
/// a day boundary in a configured time zone (the hub's clock moved by `--clock-offset-file`), and
/// a hard budget under 200 concurrent requests.
@Suite struct BudgetTests {
    /// Tokyo midnight of 2 March 2027 (15:00 UTC), where the team's day ends.
    static let boundary = Date(timeIntervalSince1970: 1_803_913_200)

    static func setOffset(_ file: String, to instant: Date) throws {
        try String(instant.timeIntervalSinceNow).write(toFile: file, atomically: true, encoding: .utf8)
    }

    @Test func teamBudgetRefusesUntilItsPeriodEnds() async throws {
        #expect(Self.boundary.formatted(.iso8601) == "2027-03-01T15:00:00Z")
        let clockFile = FileManager.default.temporaryDirectory.appendingPathComponent("clock-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: clockFile) }
        try Self.setOffset(clockFile, to: Self.boundary.addingTimeInterval(-300))
        var member: (id: Int64, key: String) = (0, "")
        let fixture = try HubFixture(hubArguments: ["--clock-offset-file", clockFile]) { dataDir in
            func admin(_ arguments: [String], _ environment: [String: String] = [:]) throws {
                try HubFixture.admin(dataDir, arguments, environment: environment)
            }
            try admin(["settings", "set", "--time-zone", "Asia/Tokyo"])
            try admin(["teams", "add", "lab"])
            try admin(["users", "add", "ann"])
            try admin(["users", "grant", "ann", "100", "--reason", "test"])
            try admin(["teams", "add-member", "lab", "ann"])
            let created = try HubFixture.admin(dataDir, ["keys", "create", "ann", "--name", "lab", "--team", "lab", "--json"])
            let json = try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any]
            member = (1, json?["secret"] as? String ?? "")
            // 0.027 credits a call: the budget is spent by the second call.
            try admin(["budgets", "set", "--team", "lab", "--amount", "0.05", "--period", "day", "--soft", "50"])
            try admin(["notices", "endpoint", "add", "http://127.0.0.1:9/notices", "--secret-env", "S"],
                      ["S": "notice_secret_0123456789"])
        }
        let url = fixture.baseURL + "/chat/completions"
        let database = try fixture.database()

        let (calls, refusal) = try await Self.callUntilRefused(url, key: member.key, fixture: fixture)
        let refused = try #require(refusal, "never refused in \(calls) calls")
        #expect(refused.code == "budget_exceeded")
        #expect(refused.message.contains("daily budget of team 'lab'"), "\(refused.message)")
        #expect(refused.message.contains("resets at 2027-03-01T15:00:00Z"), "\(refused.message)")
        let made = calls
        try await database.read { db in
            // Every call was recorded for the team, in the hub's (moved) day, and no more than one
            // call's hold (0.071) beyond the budget was spent.
            let teamId = try Int64.fetchOne(db, sql: "SELECT id FROM teams WHERE name = 'lab'")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_events WHERE team_id = ?", arguments: [teamId]) == made)
            let spent = try Int64.fetchOne(db, sql: "SELECT SUM(credits_charged) FROM usage_events") ?? 0
            #expect(spent >= 50_000_000 && spent <= 50_000_000 + 71_000_000, "spent \(spent)")
            let first = try Date.fetchOne(db, sql: "SELECT MIN(created_at) FROM usage_events")!
            #expect(first < Self.boundary && first > Self.boundary.addingTimeInterval(-400))
        }
        // The soft threshold (50 %) queued one notice for the period.
        #expect(try await fixture.eventually {
            try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM outbox WHERE kind = 'budget_soft_limit'") } == 1
        })

        // Past Tokyo midnight the team's new day starts at zero.
        try Self.setOffset(clockFile, to: Self.boundary.addingTimeInterval(5))
        var after = try await GovernedReply.post(url, key: member.key)
        let deadline = Date().addingTimeInterval(20)
        while after.status == 402 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            after = try await GovernedReply.post(url, key: member.key)
        }
        #expect(after.status == 200, "\(after.body)")
        #expect(try await fixture.eventually {
            try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM usage_events WHERE created_at >= ? AND status = 200",
                                               arguments: [Self.boundary]) } == 1
        })
        #expect(try fixture.ledgerInvariantHolds())
    }

    /// Calls one at a time until a call is refused with every earlier call committed (a refusal while
    /// a hold is still out may lift once it settles); returns the calls made and the refusal.
    static func callUntilRefused(_ url: String, key: String, fixture: HubFixture) async throws -> (Int, GovernedReply?) {
        let database = try fixture.database()
        func committed() throws -> Int { try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM usage_events") ?? 0 } }
        var calls = 0
        while calls < 20 {
            let reply = try await GovernedReply.post(url, key: key)
            calls += 1
            let made = calls
            guard reply.status == 402 else {
                #expect(reply.status == 200, "\(reply.body)")
                continue
            }
            #expect(try await fixture.eventually { try committed() == made })
            let again = try await GovernedReply.post(url, key: key)
            calls += 1
            let total = calls
            #expect(try await fixture.eventually { try committed() == total })
            if again.status == 402 { return (calls, again) }
        }
        return (calls, nil)
    }

    /// Enterprise mode: the budget is in estimated provider USD (0.0135 a call here).
    @Test func enterpriseBudgetCountsProviderCost() async throws {
        var user: (id: Int64, key: String) = (0, "")
        let fixture = try HubFixture(mode: "enterprise") { dataDir in
            user = try HubFixture.user(dataDir, "eng")
            try HubFixture.admin(dataDir, ["budgets", "set", "--key", "1", "--amount", "0.02", "--period", "week"])
        }
        let (_, refusal) = try await Self.callUntilRefused(fixture.baseURL + "/chat/completions", key: user.key, fixture: fixture)
        let refused = try #require(refusal)
        #expect(refused.code == "budget_exceeded" && refused.message.contains("weekly budget of key ahk_"), "\(refused.message)")
        #expect(refused.message.contains("0.02 USD"))
        try await fixture.database().read { db in
            let cost = try Int64.fetchOne(db, sql: "SELECT SUM(provider_cost) FROM usage_events") ?? 0
            #expect(cost == 27_000_000, "two calls of 0.0135 USD: \(cost)")
            #expect(try Int64.fetchOne(db, sql: "SELECT SUM(credits_charged) FROM usage_events") == 0)
        }
    }

    /// Output priced only, so each call's hold (10 tokens × 2/1K = 0.02 credits) is exactly its cost:
    /// a budget of 0.99 admits calls while spent + held < 0.99, i.e. exactly 50, overshooting by
    /// 0.01 — less than one hold — however the 200 calls interleave.
    @Test func hardBudgetHoldsUnder200ConcurrentRequests() async throws {
        var user: (id: Int64, key: String) = (0, "")
        let fixture = try HubFixture(mockArguments: ["--latency-ms", "300"]) { dataDir in
            try HubFixture.admin(dataDir, ["rates", "set", "mock/mock-model", "--input", "0", "--output", "2", "--per", "1K"])
            user = try HubFixture.user(dataDir, "spender", credits: "100")
            try HubFixture.admin(dataDir, ["budgets", "set", "--user", "spender", "--amount", "0.99", "--period", "month"])
        }
        let replies = try await GovernedReply.concurrent(200, fixture.baseURL + "/chat/completions", key: user.key)
        let succeeded = replies.filter { $0.status == 200 }.count
        let refused = replies.filter { $0.status == 402 }
        #expect(succeeded + refused.count == 200, "statuses: \(Set(replies.map(\.status)))")
        #expect(succeeded == 50, "\(succeeded) served")
        #expect(refused.allSatisfy { $0.code == "budget_exceeded" && $0.message.contains("monthly budget of user 'spender'") })

        let database = try fixture.database()
        #expect(try await fixture.eventually(20) {
            try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM usage_events") } == 200
        })
        let charged = try await database.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(-SUM(amount), 0) FROM ledger WHERE kind = 'usage'") ?? 0
        }
        // Every success charged its hold; the budget overshot by less than one hold (0.02).
        #expect(charged == Int64(succeeded) * 20_000_000)
        #expect(charged > 990_000_000 && charged - 990_000_000 < 20_000_000, "charged \(charged)")
        #expect(try fixture.ledgerInvariantHolds())
        // The admin API reports the same spend, and the budget as reached.
        let listed = try fixture.admin(["budgets", "list", "--user", "spender", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]]
        #expect(rows?.first?["spent"] as? String == AmountText.of(nanos: charged), "\(listed)")
        #expect(rows?.first?["hard_reached"] as? Bool == true)
    }
}

/// An amount in nano-units as the admin JSON writes it (`"0.405"`).
enum AmountText {
    static func of(nanos: Int64) -> String {
        let units = nanos / 1_000_000_000
        var fraction = String(nanos % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(units)" : "\(units).\(fraction)"
    }
}
