import Foundation
import HubCore
import NIOCore
import Testing
@testable import HubGateway

/// The body a paid call forwards, in-process (HummingbirdTesting, an in-memory upstream that keeps
/// the last request): the reserved limit is in the field the provider honours.
@Suite struct ForwardedLimitTests {
    /// The reserved limit goes in the field the provider honours: `max_completion_tokens` for OpenAI's
    /// own API (never `max_tokens`, which its o-series refuse), `max_tokens` for every other
    /// OpenAI-compatible API (DeepSeek ignores `max_completion_tokens`).
    @Test(arguments: [("https://api.openai.com/v1", true), ("https://api.deepseek.com/v1", false)])
    func theLimitIsWrittenWhereTheProviderReadsIt(baseURL: String, isOpenAI: Bool) async throws {
        try await withInProcessHub(baseURL: baseURL, upstream: InMemoryUpstream()) { client, key, upstream in
            let messages = #""messages":[{"role":"user","content":"hi"}]"#
            let cases: [(limits: String, stream: Bool)] = [
                (#""max_completion_tokens":50"#, false), (#""max_tokens":20"#, false), ("", false),
                (#""max_completion_tokens":50"#, true),
            ]
            for (limits, stream) in cases {
                let body = #"{"model":"mock-model",\#(messages),"stream":\#(stream)\#(limits.isEmpty ? "" : ",")\#(limits)}"#
                _ = try await postChat(client, key, body)
                let sent = try #require(upstream.lastBody, "\(body)")
                let expected = limits.contains("50") ? 50 : limits.contains("20") ? 20 : 4_096
                if isOpenAI {
                    #expect(sent["max_completion_tokens"] as? Int == expected && sent["max_tokens"] == nil, "\(body) -> \(sent)")
                } else {
                    #expect(sent["max_tokens"] as? Int == expected, "\(body) -> \(sent)")
                    #expect(sent["max_completion_tokens"] as? Int == (limits.contains("max_completion") ? expected : nil),
                            "\(body) -> \(sent)")
                }
            }
        }
    }
}
