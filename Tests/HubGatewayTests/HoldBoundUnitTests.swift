import Foundation
import GRDB
@testable import HubCore
@testable import HubDevTools
import NIOCore
import Testing
@testable import HubGateway

/// The parts that make a hold an upper bound, on their own: parsing the limits, the body forwarded
/// with the reserved limit, cache-write prices, and the start-up settlement of open holds.
@Suite struct HoldBoundUnitTests {
    private func chat(_ body: String) throws -> ChatRequest { try ChatRequest(body: ByteBuffer(string: body)) }

    @Test func maxTokensOfOneIsANumberNotABoolean() async throws {
        #expect(try chat(#"{"model":"m","max_tokens":1}"#).maxTokens == 1)
        #expect(try chat(#"{"model":"m","max_completion_tokens":1.0}"#).maxTokens == 1)
        #expect(throws: APIError.self) { try chat(#"{"model":"m","max_tokens":true}"#) }
        #expect(throws: APIError.self) { try chat(#"{"model":"m","max_tokens":0}"#) }
        #expect(throws: APIError.self) { try chat(#"{"model":"m","n":false}"#) }
        // Both limits: the smaller is the one reserved for.
        let both = try chat(#"{"model":"m","max_completion_tokens":2,"max_tokens":100000,"n":3}"#)
        #expect(both.maxTokens == 2 && both.limitFields == ["max_tokens", "max_completion_tokens"] && both.choices == 3)
    }

    /// An absurd output limit would price a worst case at `Int64.max` nano-units (review finding): it
    /// is refused, naming the field and the ceiling.
    @Test func outputLimitsAndChoicesHaveACeiling() async throws {
        #expect(try chat(#"{"model":"m","max_tokens":100000000}"#).maxTokens == 100_000_000)
        #expect(throws: APIError.self) { try chat(#"{"model":"m","max_tokens":100000001}"#) }
        #expect(throws: APIError.self) { try chat(#"{"model":"m","max_completion_tokens":1e15}"#) }
        #expect(throws: APIError.self) { try chat(#"{"model":"m","n":1e12}"#) }
    }

    @Test func modelNamesAreBounded() async throws {
        #expect(try chat(#"{"model":"\#(String(repeating: "m", count: 256))"}"#).model.count == 256)
        #expect(throws: APIError.self) { try chat(#"{"model":"\#(String(repeating: "m", count: 257))"}"#) }
        #expect(throws: APIError.self) { try chat(#"{"model":"mock\u0001model"}"#) }
        #expect(throws: APIError.self) { try chat(#"{"model":"mock\nmodel"}"#) }
    }

    @Test func imagesAndPricedFieldsAreFound() async throws {
        let body = #"{"model":"m","service_tier":"priority","messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:image/png;base64,\#(String(repeating: "A", count: 30_000))"}}]}]}"#
        let request = try chat(body)
        #expect(request.images == 1 && request.pricedFields == ["service_tier 'priority'"])
        // The image's bytes are not counted as prompt text; the image is counted as image tokens.
        #expect(request.promptEstimate < 2_000)
        #expect(try chat(#"{"model":"m","service_tier":"auto"}"#).pricedFields.isEmpty)
    }

    @Test func theForwardedOpenAIBodyCarriesTheReservedLimit() async throws {
        func forwarded(_ body: String, limit: Int64?) throws -> [String: Any] {
            var request = try chat(body)
            request.outputLimit = limit
            if let bytes = OpenAIAdapter.forwardedBody(request, model: "m") { return try #require(Adapters.object(bytes)) }
            return try #require(Adapters.object(Adapters.json(OpenAIAdapter.forwardedJSON(request, model: "m"))))
        }
        // Both fields: both carry the reserved (smaller) limit.
        let both = try forwarded(#"{"model":"m","max_completion_tokens":2,"max_tokens":100000}"#, limit: 2)
        #expect(both["max_tokens"] as? Int == 2 && both["max_completion_tokens"] as? Int == 2)
        // None: the hub's default is written as max_tokens.
        let none = try forwarded(#"{"model":"m","messages":[]}"#, limit: 4_096)
        #expect(none["max_tokens"] as? Int == 4_096 && none["max_completion_tokens"] == nil)
        // The client's own field at the limit is kept, with max_tokens beside it (which every
        // OpenAI-compatible API honours); a nested look-alike does not count.
        let own = try forwarded(#"{"model":"m","max_completion_tokens":7}"#, limit: 7)
        #expect(own["max_completion_tokens"] as? Int == 7 && own["max_tokens"] as? Int == 7)
        let ownMax = try forwarded(#"{"model":"m","max_tokens":7}"#, limit: 7)
        #expect(ownMax["max_tokens"] as? Int == 7 && ownMax["max_completion_tokens"] == nil)
        let nested = try forwarded(#"{"model":"m","metadata":{"max_tokens":999}}"#, limit: 50)
        #expect(nested["max_tokens"] as? Int == 50)
        // An escaped key spelling is re-encoded, with the limit.
        let escaped = try forwarded(#"{"model":"m","max_tok\u0065ns":100000}"#, limit: 4_096)
        #expect(escaped["max_tokens"] as? Int == 4_096)
        // No hold (enterprise mode): the body is not touched.
        let free = try forwarded(#"{"model":"m"}"#, limit: nil)
        #expect(free["max_tokens"] == nil)
    }

    @Test func theAnthropicLimitFollowsTheHold() async throws {
        var request = try chat(#"{"model":"c","max_completion_tokens":50,"max_tokens":3,"messages":[{"role":"user","content":"hi"}]}"#)
        request.outputLimit = 3
        #expect(try AnthropicAdapter.messagesBody(request, model: "c")["max_tokens"] as? Int64 == 3)
        var unlimited = try chat(#"{"model":"c","messages":[{"role":"user","content":"hi"}]}"#)
        unlimited.defaultOutputLimit = 300
        #expect(try AnthropicAdapter.messagesBody(unlimited, model: "c")["max_tokens"] as? Int64 == 300)
    }

    @Test func cacheWritesArePricedWithTheirOwnRateOrAsInput() async {
        let usage = AnthropicAdapter.usage(["input_tokens": 100, "cache_read_input_tokens": 1_000,
                                            "cache_creation_input_tokens": 10_000, "output_tokens": 10])
        #expect(usage == TokenUsage(input: 11_100, output: 10, cachedInput: 1_000, cacheWrite: 10_000))
        let million = Amount(units: 1)
        var price = ModelPrice(inputPerMillion: million, outputPerMillion: million, cachedInputPerMillion: Amount(nanos: 100_000_000))
        // 100 input + 1,000 cached at 0.1 + 10,000 written as input + 10 output, per million.
        #expect(price.cost(of: usage!) == Amount(nanos: 10_210 * 1_000))
        price.cacheWritePerMillion = Amount(nanos: 1_250_000_000)
        #expect(price.cost(of: usage!) == Amount(nanos: (100 + 100 + 12_500 + 10) * 1_000))
    }

    @Test func mockFaultIgnoringMaxTokensParses() async {
        #expect(MockFault("ignore-max-tokens") == .ignoreMaxTokens)
        #expect(MockFault.embedded(in: "sk-fault-ignore-max-tokens") == .ignoreMaxTokens)
        #expect(MockFault.embedded(in: "sk-fault-503-b") == .status(503))
    }

    @Test func openHoldsOfAPreviousRunAreSettledOnceAtTheHold() async throws {
        let (store, user) = try await payerStore("holds")
        let hold = Amount(nanos: 300_000_000)
        let holds = ["r-open", "r-done"].map {
            HoldRecord(requestId: $0, userId: user, apiKeyId: nil, model: "p/m", amount: hold, runId: "old")
        }
        _ = try await UsageSettlement.commit(UsageBatch(holds: holds), to: store)
        // r-done settled (at a real cost above its hold: charged the hold, the rest an overrun); r-open did not.
        let done = UsageRecord(event: UsageEvent(requestId: "r-done", userId: user, apiKeyId: nil, providerId: nil,
                                                 model: "p/m", status: 200), charge: Amount(nanos: 500_000_000), hold: hold)
        let settled = try await UsageSettlement.commit(UsageBatch(records: [done]), to: store)
        #expect(settled.settlements[0].charged == hold)
        let recovered = try await HoldRecovery.settleOpenHolds(store)
        #expect(recovered.map(\.requestId) == ["r-open"] && recovered[0].charged == hold)
        #expect(try await HoldRecovery.settleOpenHolds(store).isEmpty)
        try await store.sqlite().read { db throws in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM holds") == 0)
            #expect(try String.fetchOne(db, sql: "SELECT usage_source FROM usage_events WHERE request_id = 'r-open'") == "recovered")
            #expect(try Int64.fetchOne(db, sql: "SELECT overrun FROM usage_events WHERE request_id = 'r-done'") == 200_000_000)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger WHERE kind = 'usage'") == 2)
            #expect(try Int64.fetchOne(db, sql: "SELECT balance FROM users") == 400_000_000)
            #expect(try Int64.fetchOne(db, sql: "SELECT SUM(amount) FROM ledger") == 400_000_000)
        }
    }
}
