import Foundation
import GRDB
import Testing
import HubTestSupport

/// A hold is an upper bound, end to end (real hub and mock processes): the upstream is told the
/// limit the hold covers, an upstream that ignores it costs the operator (recorded as an overrun)
/// and never the user beyond the hold, and `n`, images and price-changing fields are in the hold.
@Suite struct HoldBoundTests {
    /// The mock's tokens for "say something short please": 4 words + 3.
    static let promptTokens: Int64 = 7

    @Test func anUpstreamIgnoringTheLimitNeverChargesBeyondTheHold() async throws {
        // Every answer is 2,000 tokens whatever the request asked: 4.007 credits at 1/1K in, 2/1K out.
        let fixture = try HubFixture(mockArguments: ["--fault", "ignore-max-tokens", "--tokens", "2000", "--latency-ms", "200"],
                                     hubArguments: ["--metrics-listen", "127.0.0.1:0"])
        let user = try fixture.user("small", credits: "1.2")
        let url = fixture.baseURL + "/chat/completions"
        let first = try await Self.firstServed(url, key: user.key, body: TestHTTP.chatBody(maxTokens: 10))
        let replies = try await withThrowingTaskGroup(of: TestHTTP.Reply.self) { group in
            group.addTask { first }
            for _ in 1..<50 {
                group.addTask { try await TestHTTP.post(url, key: user.key, body: TestHTTP.chatBody(maxTokens: 10)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let served = replies.filter { $0.status == 200 }
        #expect(served.count + replies.filter { $0.status == 402 }.count == 50,
                "\(replies.filter { $0.status != 200 && $0.status != 402 }.map { "\($0.status) \($0.body)" })")
        #expect(!served.isEmpty)
        let database = try fixture.database()
        #expect(try await fixture.eventually(60) {
            try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM usage_events WHERE status = 200") } == served.count
        })
        let realCost: Int64 = Self.promptTokens * 1_000_000 + 2_000 * 2_000_000
        try await database.read { db throws in
            let rows = try Row.fetchAll(db, sql: "SELECT credits_charged, overrun, error FROM usage_events WHERE status = 200")
            let charged = rows.reduce(Int64(0)) { $0 + ($1["credits_charged"] as Int64) }
            // What the user paid never exceeds what they had, and no charge ran into the balance's floor.
            #expect(charged <= 1_200_000_000)
            for row in rows {
                #expect((row["credits_charged"] as Int64) + (row["overrun"] as Int64) == realCost)
                #expect((row["overrun"] as Int64) > 0)
                #expect((row["error"] as String?) == nil, "a charge went beyond its hold: \(row)")
            }
            // One audit entry for the credential in this hour, however many overran.
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log WHERE action = 'usage.overrun'") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM holds") == 0)
        }
        #expect(try fixture.ledgerInvariantHolds())
        // Counted in the metrics, right after the batch commits.
        let counted = "aigne_hub_overruns_total \(served.count)\n"
        var metrics = ""
        let deadline = Date().addingTimeInterval(60)
        repeat {
            metrics = try await TestHTTP.get(try fixture.metricsURL())
        } while !metrics.contains(counted) && Date() < deadline
        #expect(metrics.contains(counted), "\(metrics)")
    }

    @Test func theForwardedBodyCarriesTheReservedLimit() async throws {
        let fixture = try HubFixture(withAnthropic: true)
        let user = try fixture.user("limits", credits: "100")
        let url = fixture.baseURL + "/chat/completions"
        func lastBody(_ mock: Spawned) async throws -> [String: Any] {
            let text = try await TestHTTP.get(mock.url + "/mock/last-request")
            return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }
        let both = #"{"model":"mock-model","max_completion_tokens":2,"max_tokens":100000,"messages":[{"role":"user","content":"hi"}]}"#
        let first = try await Self.firstServed(url, key: user.key, body: both)
        #expect(first.status == 200, "\(first.body)")
        let sent = try await lastBody(fixture.mock)
        #expect(sent["max_tokens"] as? Int == 2 && sent["max_completion_tokens"] as? Int == 2, "\(sent)")
        let none = #"{"model":"mock-model","messages":[{"role":"user","content":"hi"}]}"#
        #expect(try await TestHTTP.post(url, key: user.key, body: none).status == 200)
        #expect(try await lastBody(fixture.mock)["max_tokens"] as? Int == 4_096)
        let one = #"{"model":"mock-model","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}"#
        #expect(try await TestHTTP.post(url, key: user.key, body: one).status == 200)
        #expect(try await lastBody(fixture.mock)["max_tokens"] as? Int == 1)

        let claude = #"{"model":"claude/claude-mock","max_completion_tokens":50,"max_tokens":3,"messages":[{"role":"user","content":"hi"}]}"#
        let reply = try await TestHTTP.post(url, key: user.key, body: claude)
        #expect(reply.status == 200, "\(reply.body)")
        #expect(try await lastBody(try #require(fixture.anthropicMock))["max_tokens"] as? Int == 3)
        // Images cannot reach Anthropic through the adapter: refused rather than charged and dropped.
        let image = #"{"model":"claude/claude-mock","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}"#
        let refused = try await TestHTTP.post(url, key: user.key, body: image)
        #expect(refused.status == 400 && refused.body.contains("text-only"), "\(refused.body)")
    }

    @Test func choicesImagesAndPricedFieldsAreInTheHold() async throws {
        let fixture = try HubFixture()
        let user = try fixture.user("shopper", credits: "5")
        let url = fixture.baseURL + "/chat/completions"
        // One choice of 100 tokens fits (0.2 credits + prompt); fifty (10 credits) do not.
        func body(_ extra: String) -> String {
            #"{"model":"mock-model","max_tokens":100,\#(extra)"messages":[{"role":"user","content":"say something short please"}]}"#
        }
        let first = try await Self.firstServed(url, key: user.key, body: body(""))
        #expect(first.status == 200, "\(first.body)")
        let many = try await TestHTTP.post(url, key: user.key, body: body(#""n":50,"#))
        #expect(many.status == 402 && many.body.contains("insufficient credits"), "\(many.status) \(many.body)")
        let tier = try await TestHTTP.post(url, key: user.key, body: body(#""service_tier":"priority","#))
        #expect(tier.status == 400 && tier.body.contains("service_tier"), "\(tier.body)")
        // An image to a model without an image rate: refused; with one, held and charged at it.
        let image = #""messages":[{"role":"user","content":[{"type":"text","text":"what is it"},{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]"#
        let withImage = #"{"model":"mock-model","max_tokens":10,\#(image)}"#
        let refused = try await TestHTTP.post(url, key: user.key, body: withImage)
        #expect(refused.status == 400 && refused.body.contains("image rate"), "\(refused.body)")
        try fixture.admin(["rates", "set", "mock/mock-model", "--image", "0.25"])
        var status = 400
        let deadline = Date().addingTimeInterval(60)
        while status == 400 && Date() < deadline {
            status = try await TestHTTP.post(url, key: user.key, body: withImage).status
            if status == 400 { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(status == 200)
        let database = try fixture.database()
        #expect(try await fixture.eventually(60) {
            try database.read {
                try Int64.fetchOne($0, sql: "SELECT MAX(credits_charged) FROM usage_events WHERE status = 200") ?? 0
            } >= 250_000_000
        }, "the image was charged at its rate")
        #expect(try fixture.ledgerInvariantHolds())
    }

    @Test func aHugeOrControlCharacterModelNameIsRefusedAndNotStored() async throws {
        let fixture = try HubFixture()
        let user = try fixture.user("namer", credits: "1")
        let url = fixture.baseURL + "/chat/completions"
        let huge = String(repeating: "m", count: 1 << 20)
        _ = try await Self.firstServed(url, key: user.key, body: TestHTTP.chatBody(maxTokens: 1))
        let reply = try await TestHTTP.post(url, key: user.key, body: TestHTTP.chatBody(model: huge))
        #expect(reply.status == 400 && reply.body.contains("longer than 256"), "\(reply.status)")
        let control = try await TestHTTP.post(url, key: user.key, body: TestHTTP.chatBody(model: #"mock\u0007model"#))
        #expect(control.status == 400 && control.body.contains("control character"))
        let database = try fixture.database()
        #expect(try await fixture.eventually(60) {
            try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM usage_events WHERE status = 400") } == 2
        })
        try await database.read { db throws in
            #expect(try Int.fetchOne(db, sql: "SELECT MAX(length(model)) FROM usage_events") ?? 0 <= 256)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM holds") == 0)
        }
        #expect(try fixture.admin(["rates", "list"]).contains("mock/mock-model"))
    }

    @Test func cacheWritePricesAreSetAndListed() async throws {
        let fixture = try HubFixture()
        let listed = try fixture.admin(["rates", "list"])
        #expect(listed.contains("CACHE WRITE/1M") && listed.contains("=in"))
        try fixture.admin(["rates", "set", "mock/mock-model", "--cache-write", "3.75", "--per", "1M"])
        let json = try fixture.admin(["rates", "list", "--json"])
        #expect(json.replacingOccurrences(of: " ", with: "").contains("\"cache_write_rate\":\"3.75\""), "\(json)")
    }

    /// Posts until the hub knows the user's key and grant (it learns them within a second): the first
    /// reply that is neither a 401 nor a 402.
    static func firstServed(_ url: String, key: String, body: String) async throws -> TestHTTP.Reply {
        // Generous, and counted in tries as well as time: in a full parallel test run on two cores a
        // reply can wait long for its task to resume, so one slow try must not use up the deadline.
        let deadline = Date().addingTimeInterval(120)
        var tries = 0
        while true {
            let reply = try await TestHTTP.post(url, key: key, body: body)
            tries += 1
            if ![401, 402].contains(reply.status) || (tries >= 100 && Date() > deadline) { return reply }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
