import AsyncHTTPClient
import Foundation
import HubCore
import NIOCore

/// Where one attempt goes: the provider's base URL and the credential's secret (none for
/// providers such as a local Ollama that need no key).
struct UpstreamTarget: Sendable {
    var baseURL: String
    var secret: String?
}

/// Turns client requests into one provider's wire format and its answers back into OpenAI's.
protocol UpstreamAdapter: Sendable {
    func chatRequest(_ chat: ChatRequest, model: String, target: UpstreamTarget) throws(APIError) -> HTTPClientRequest
    /// The OpenAI response body for a successful upstream answer, and the usage it reports.
    func chatResponse(_ body: ByteBuffer, clientModel: String) -> (body: ByteBuffer, usage: TokenUsage?)
    func streamTranslator(clientModel: String, wantsUsage: Bool) -> any StreamTranslator
    /// The upstream's error message, from its error body.
    func errorMessage(_ body: ByteBuffer) -> String
}

/// Translates an upstream's stream of events into OpenAI `chat.completion.chunk` events.
protocol StreamTranslator: Sendable {
    /// Client events (already framed as `data: ...\n\n`) for one upstream event.
    mutating func translate(_ event: SSEEvent) -> [ByteBuffer]
    /// The usage the upstream reported, once it has.
    var usage: TokenUsage? { get }
    /// True once the upstream said the stream is complete.
    var finished: Bool { get }
    /// Content events seen: roughly one token each, for an estimate when no usage comes.
    var contentEvents: Int64 { get }
}

enum Adapters {
    static func forKind(_ kind: ProviderKind) -> (any UpstreamAdapter)? {
        switch kind {
        case .openAICompatible: OpenAIAdapter()
        case .anthropic: AnthropicAdapter()
        case .gemini: nil
        }
    }

    static func jsonRequest(url: String, headers: [(String, String)], json: Any) throws(APIError) -> HTTPClientRequest {
        guard let data = try? JSONSerialization.data(withJSONObject: json) else {
            throw APIError.badRequest("the request cannot be encoded as JSON")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(data: data))
        return request
    }

    static func json(_ object: Any) -> ByteBuffer {
        ByteBuffer(data: (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8))
    }

    static func object(_ body: ByteBuffer) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
    }
}
