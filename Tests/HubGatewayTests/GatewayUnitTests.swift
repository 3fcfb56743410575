import Foundation
import HubCore
@testable import HubDevTools
import NIOCore
import Testing
@testable import HubGateway

/// The gateway's parts on their own: SSE framing, credit reservations, weighted choice, parsing
/// and the Anthropic translation.
@Suite struct GatewayUnitTests {
    @Test func sseParserJoinsEventsAcrossChunks() async {
        var parser = SSEParser()
        #expect(parser.feed(ByteBuffer(string: "event: message_start\r\ndata: {\"a\":")).isEmpty)
        let events = parser.feed(ByteBuffer(string: "1}\r\n\r\n: comment\n\ndata: [DONE]\n\n"))
        #expect(events == [SSEEvent(event: "message_start", data: "{\"a\":1}"), SSEEvent(event: nil, data: "[DONE]")])
    }

    @Test func reservationsNeverExceedTheBalance() async {
        let book = CreditBook()
        await book.apply([BalanceFeed.Update(userId: 1, balance: Amount(units: 1), ledgerId: 1)])
        let hold = Amount(nanos: 300_000_000)
        var granted = 0
        for _ in 0..<10 where await book.reserve(userId: 1, amount: hold) == .granted { granted += 1 }
        #expect(granted == 3)
        // A settlement applies the new balance and releases the hold in one step.
        let result = SettlementResult(requestId: "r", userId: 1, charged: Amount(nanos: 100_000_000),
                                      balanceAfter: Amount(nanos: 900_000_000), ledgerId: 2)
        await book.settled([(hold, result)])
        #expect(await book.account(1).held == Amount(nanos: 600_000_000))
        #expect(await book.reserve(userId: 1, amount: hold) == .granted)
        // Older news never overwrites newer.
        await book.apply([BalanceFeed.Update(userId: 1, balance: Amount(units: 50), ledgerId: 1)])
        #expect(await book.account(1).balance == Amount(nanos: 900_000_000))
    }

    @Test func smoothWeightedRoundRobinFollowsWeightsAndThrottles() async {
        let balancer = CredentialBalancer()
        let heavy = HubCatalog.Credential(id: 1, providerId: 1, name: "a", secret: "x", weight: 300, enabled: true)
        let light = HubCatalog.Credential(id: 2, providerId: 1, name: "b", secret: "y", weight: 100, enabled: true)
        let off = HubCatalog.Credential(id: 3, providerId: 1, name: "c", secret: "z", weight: 100, enabled: false)
        var picks: [Int64: Int] = [:]
        for _ in 0..<400 {
            if let picked = await balancer.pick([heavy, light, off], excluding: []) { picks[picked.id, default: 0] += 1 }
        }
        #expect(picks == [1: 300, 2: 100])
        await balancer.throttled(1)
        picks = [:]
        for _ in 0..<130 {
            if let picked = await balancer.pick([heavy, light], excluding: []) { picks[picked.id, default: 0] += 1 }
        }
        #expect(picks == [1: 30, 2: 100])
        #expect(await balancer.pick([heavy, light], excluding: [1, 2]) == nil)
    }

    @Test func chatRequestParsingRefusesBadInput() async throws {
        #expect(throws: APIError.self) { try ChatRequest(body: ByteBuffer(string: "not json")) }
        #expect(throws: APIError.self) { try ChatRequest(body: ByteBuffer(string: #"{"messages":[]}"#)) }
        #expect(throws: APIError.self) { try ChatRequest(body: ByteBuffer(string: #"{"model":"m","max_tokens":1.5}"#)) }
        let request = try ChatRequest(body: ByteBuffer(string: #"{"model":"m","max_tokens":12,"stream":true,"stream_options":{"include_usage":true}}"#))
        #expect(request.model == "m" && request.maxTokens == 12 && request.stream && request.wantsUsage)
    }

    @Test func anthropicAnswersBecomeOpenAICompletions() async throws {
        let adapter = AnthropicAdapter()
        let body = ByteBuffer(string: #"{"id":"msg_1","content":[{"type":"text","text":"hi"}],"stop_reason":"max_tokens","usage":{"input_tokens":10,"cache_read_input_tokens":5,"output_tokens":3}}"#)
        let (translated, usage) = adapter.chatResponse(body, clientModel: "claude/x")
        #expect(usage == TokenUsage(input: 15, output: 3, cachedInput: 5))
        let json = try #require(Adapters.object(translated))
        let choice = try #require((json["choices"] as? [[String: Any]])?.first)
        #expect((choice["message"] as? [String: Any])?["content"] as? String == "hi")
        #expect(choice["finish_reason"] as? String == "length")

        var stream = adapter.streamTranslator(clientModel: "claude/x", wantsUsage: true)
        let events = [
            SSEEvent(event: "message_start", data: #"{"type":"message_start","message":{"id":"m","usage":{"input_tokens":4}}}"#),
            SSEEvent(event: "content_block_delta", data: #"{"type":"content_block_delta","delta":{"type":"text_delta","text":"yo"}}"#),
            SSEEvent(event: "message_delta", data: #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}"#),
            SSEEvent(event: "message_stop", data: #"{"type":"message_stop"}"#),
        ]
        let out = events.flatMap { stream.translate($0) }.map { String(buffer: $0) }
        #expect(out.count == 4 && out[1].contains("\"content\":\"yo\"") && out[3].contains("\"completion_tokens\":2"))
        #expect(stream.finished && stream.usage == TokenUsage(input: 4, output: 2))
    }

    @Test func openAIBodiesAreSplicedOnlyWhenThatIsSafe() async throws {
        func forwarded(_ body: String, model: String) throws -> [String: Any]? {
            let chat = try ChatRequest(body: ByteBuffer(string: body))
            guard let bytes = OpenAIAdapter.forwardedBody(chat, model: model) else { return nil }
            return Adapters.object(bytes)
        }
        let plain = try #require(try forwarded(#"{"model":"p/m","messages":[]}"#, model: "m"))
        #expect(plain["model"] as? String == "m")
        let streamed = try #require(try forwarded(#"{"stream":true,"model":"m","messages":[]}"#, model: "m"))
        #expect((streamed["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        // The model name also appears elsewhere: re-encode rather than guess.
        #expect(try forwarded(#"{"model":"p/m","metadata":{"model":"p/m"}}"#, model: "m") == nil)
        #expect(try forwarded(#"{"model":"m","stream":true,"stream_options":{"include_usage":false}}"#, model: "m") == nil)
        // An escaped key with the plain value elsewhere must not get the wrong field replaced.
        #expect(try forwarded(#"{"mod\u0065l":"p/m","user":"p/m"}"#, model: "m") == nil)
        let other = try #require(try forwarded(#"{"user":"p/m","model":"p/x"}"#, model: "m"))
        #expect(other["model"] as? String == "m" && other["user"] as? String == "p/m")
        let spaced = try #require(try forwarded(#"{"model" : "p/m","messages":[]}"#, model: "m"))
        #expect(spaced["model"] as? String == "m")
        #expect(OpenAIUsage.find(in: Array(#"{"x":{"usage":1},"usage": {"prompt_tokens":3,"completion_tokens":4}}"#.utf8))?.tokenUsage
                == TokenUsage(input: 3, output: 4))
    }

    @Test func mockFaultsParse() async {
        #expect(MockFault("503") == .status(503))
        #expect(MockFault("reset") == .reset)
        #expect(MockFault("200") == nil)
        #expect(MockFault.embedded(in: "sk-fault-timeout") == .timeout)
        #expect(MockFault.embedded(in: "sk-good") == nil)
    }
}
