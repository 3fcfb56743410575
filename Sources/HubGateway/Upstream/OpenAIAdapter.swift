import AsyncHTTPClient
import Foundation
import HubCore
import NIOCore
import NIOFoundationCompat

/// OpenAI-compatible providers (OpenAI, DeepSeek, OpenRouter, xAI, Ollama, ...): the request is
/// forwarded as the client sent it, with the provider's model name and, when streaming, a request
/// for the usage chunk; answers pass through unchanged.
struct OpenAIAdapter: UpstreamAdapter {
    func chatRequest(_ chat: ChatRequest, model: String, target: UpstreamTarget) throws(APIError) -> HTTPClientRequest {
        try request(chat, model: model, target: target, path: "/chat/completions")
    }

    func embeddingsRequest(_ chat: ChatRequest, model: String, target: UpstreamTarget) throws(APIError) -> HTTPClientRequest {
        try request(chat, model: model, target: target, path: "/embeddings")
    }

    private func request(_ chat: ChatRequest, model: String, target: UpstreamTarget, path: String) throws(APIError)
        -> HTTPClientRequest {
        let headers = target.secret.map { [("authorization", "Bearer \($0)")] } ?? []
        let limitField = Self.limitField(baseURL: target.baseURL)
        if let body = Self.forwardedBody(chat, model: model, limitField: limitField) {
            var request = HTTPClientRequest(url: target.baseURL + path)
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(body)
            return request
        }
        return try Adapters.jsonRequest(url: target.baseURL + path, headers: headers, json: Self.forwardedJSON(chat, model: model, limitField: limitField))
    }

    /// The limit field the provider at `baseURL` honours: OpenAI's own API takes `max_completion_tokens`
    /// (its o-series refuse `max_tokens`); the other OpenAI-compatible APIs (DeepSeek, ...) take
    /// `max_tokens`, and some ignore `max_completion_tokens`.
    static func limitField(baseURL: String) -> String {
        URLComponents(string: baseURL)?.host?.lowercased() == "api.openai.com" ? "max_completion_tokens" : "max_tokens"
    }

    /// The forwarded request as a JSON object: the client's, with the provider's model name, the usage
    /// chunk asked for when streaming, and the reserved output limit in `limitField` (for OpenAI,
    /// `max_completion_tokens`, with the client's `max_tokens` removed; elsewhere `max_tokens`, and the
    /// client's `max_completion_tokens` too if it set one).
    static func forwardedJSON(_ chat: ChatRequest, model: String, limitField: String = "max_tokens") -> [String: Any] {
        var json = chat.json
        json["model"] = model
        if chat.stream {
            var options = json["stream_options"] as? [String: Any] ?? [:]
            options["include_usage"] = true
            json["stream_options"] = options
        }
        if let limit = chat.outputLimit {
            json[limitField] = limit
            if limitField == "max_tokens" {
                if chat.limitFields.contains("max_completion_tokens") { json["max_completion_tokens"] = limit }
            } else {
                json["max_tokens"] = nil
            }
        }
        return json
    }

    /// The client's own bytes, when they can go upstream unchanged or with safe splices: the model
    /// name replaced (its key and value occur once), `stream_options` added (absent before) and
    /// `limitField` added (no limit field anywhere in the body, or only the client's
    /// `max_completion_tokens` at the limit where `max_tokens` is wanted). Nil when the body must be
    /// re-encoded: a `\u` escape anywhere (a key or value could be spelled another way), or a limit
    /// field whose value is not the reserved limit (or that occurs twice, or must be removed).
    static func forwardedBody(_ chat: ChatRequest, model: String, limitField: String = "max_tokens") -> ByteBuffer? {
        let addsUsage = chat.stream && !chat.wantsUsage
        guard chat.outputLimit != nil || model != chat.model || addsUsage else { return chat.body }
        var bytes = Array(chat.body.readableBytesView)
        guard JSONBytes.count(of: Array("\\u".utf8), in: bytes) == 0 else { return nil }
        var insertion = ""
        if let limit = chat.outputLimit {
            let counts = ChatRequest.limitKeys.map { JSONBytes.count(of: Array("\"\($0)\"".utf8), in: bytes) }
            if counts.allSatisfy({ $0 == 0 }) {
                insertion += "\"\(limitField)\":\(limit),"
            } else {
                // One field, once, already at the limit: nothing to change if it is the provider's field;
                // `max_tokens` added beside a `max_completion_tokens`; else re-encoded.
                guard counts.reduce(0, +) == 1, chat.limitFields.count == 1, chat.maxTokens == limit else { return nil }
                if !chat.limitFields.contains(limitField) {
                    guard limitField == "max_tokens" else { return nil }
                    insertion += "\"max_tokens\":\(limit),"
                }
            }
        }
        if model != chat.model {
            let key = Array("\"model\"".utf8)
            let value = Array(Self.quoted(chat.model).utf8)
            guard JSONBytes.count(of: key, in: bytes) == 1, JSONBytes.count(of: value, in: bytes) == 1,
                  let keyStart = JSONBytes.firstIndex(of: key, in: bytes),
                  let start = Self.valueStart(after: keyStart + key.count, in: bytes),
                  bytes[start...].starts(with: value) else { return nil }
            bytes.replaceSubrange(start..<start + value.count, with: Array(Self.quoted(model).utf8))
        }
        if addsUsage {
            guard chat.json["stream_options"] == nil else { return nil }
            insertion += #""stream_options":{"include_usage":true},"#
        }
        if !insertion.isEmpty {
            guard let brace = bytes.firstIndex(of: UInt8(ascii: "{")) else { return nil }
            bytes.insert(contentsOf: Array(insertion.utf8), at: brace + 1)
        }
        return ByteBuffer(bytes: bytes)
    }

    /// Where the value of a key ending at `index` begins: past white space, one colon, white space.
    private static func valueStart(after index: Int, in bytes: [UInt8]) -> Int? {
        let space: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        var i = index
        while i < bytes.count, space.contains(bytes[i]) { i += 1 }
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        while i < bytes.count, space.contains(bytes[i]) { i += 1 }
        return i
    }

    private static func quoted(_ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }

    func chatResponse(_ body: ByteBuffer, clientModel: String) -> (body: ByteBuffer, usage: TokenUsage?) {
        (body, OpenAIUsage.find(in: body.readableBytesView)?.tokenUsage)
    }

    func streamTranslator(clientModel: String, wantsUsage: Bool) -> any StreamTranslator {
        Translator(wantsUsage: wantsUsage)
    }

    func errorMessage(_ body: ByteBuffer) -> String {
        if let error = Adapters.object(body)?["error"] as? [String: Any], let message = error["message"] as? String {
            return message
        }
        return String(String(buffer: body).prefix(300))
    }

    struct Translator: StreamTranslator {
        let wantsUsage: Bool
        var usage: TokenUsage?
        var finished = false
        var contentEvents: Int64 = 0

        mutating func translate(_ event: SSEEvent) -> [ByteBuffer] {
            if event.data == "[DONE]" {
                finished = true
                return []
            }
            if event.dataContains("\"usage\""), !event.dataContains("\"usage\":null"),
               let found = OpenAIUsage.find(in: Array(event.data.utf8)) {
                usage = found.tokenUsage
                if !wantsUsage && event.dataContains("\"choices\":[]") { return [] }
            }
            if event.dataContains("\"content\"") { contentEvents += 1 }
            return [SSEParser.encode(data: event.data)]
        }
    }
}
