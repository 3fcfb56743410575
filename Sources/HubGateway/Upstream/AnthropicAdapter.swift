import AsyncHTTPClient
import Foundation
import HubCore
import NIOCore

/// Anthropic's Messages API, translated both ways: OpenAI chat requests become `/v1/messages`
/// requests (system messages lifted out, `max_tokens` required), and messages or their event
/// streams become OpenAI completions and chunks.
struct AnthropicAdapter: UpstreamAdapter {
    static let version = "2023-06-01"

    func chatRequest(_ chat: ChatRequest, model: String, target: UpstreamTarget) throws(APIError) -> HTTPClientRequest {
        var headers = [("anthropic-version", Self.version)]
        if let secret = target.secret { headers.append(("x-api-key", secret)) }
        let base = target.baseURL.hasSuffix("/v1") ? target.baseURL : target.baseURL + "/v1"
        return try Adapters.jsonRequest(url: base + "/messages", headers: headers, json: try Self.messagesBody(chat, model: model))
    }

    /// The Messages request for a chat request: `max_tokens` is the reserved output limit (else the
    /// client's, else the hub's default: Anthropic requires one).
    static func messagesBody(_ chat: ChatRequest, model: String) throws(APIError) -> [String: Any] {
        guard let messages = chat.json["messages"] as? [[String: Any]], !messages.isEmpty else {
            throw APIError.badRequest("messages must be a non-empty array", param: "messages")
        }
        var system: [String] = []
        var turns: [[String: Any]] = []
        for message in messages {
            let role = message["role"] as? String ?? "user"
            let text = ChatRequest.text(of: message["content"])
            switch role {
            case "system", "developer": system.append(text)
            case "assistant": turns.append(["role": "assistant", "content": text])
            default: turns.append(["role": "user", "content": text])
            }
        }
        var body: [String: Any] = [
            "model": model, "messages": turns, "max_tokens": chat.effectiveOutputLimit, "stream": chat.stream,
        ]
        if !system.isEmpty { body["system"] = system.joined(separator: "\n") }
        for key in ["temperature", "top_p"] where chat.json[key] != nil { body[key] = chat.json[key] }
        if let stop = chat.json["stop"] as? String { body["stop_sequences"] = [stop] }
        if let stop = chat.json["stop"] as? [String] { body["stop_sequences"] = stop }
        return body
    }

    func chatResponse(_ body: ByteBuffer, clientModel: String) -> (body: ByteBuffer, usage: TokenUsage?) {
        guard let message = Adapters.object(body) else { return (body, nil) }
        let text = (message["content"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }.joined()
        let usage = Self.usage(message["usage"] as? [String: Any])
        var completion: [String: Any] = [
            "id": "chatcmpl-" + (message["id"] as? String ?? UUID().uuidString),
            "object": "chat.completion", "created": Int(Date().timeIntervalSince1970), "model": clientModel,
            "choices": [["index": 0, "message": ["role": "assistant", "content": text],
                         "finish_reason": Self.finishReason(message["stop_reason"] as? String)]],
        ]
        if let usage { completion["usage"] = Self.usageJSON(usage) }
        return (Adapters.json(completion), usage)
    }

    func streamTranslator(clientModel: String, wantsUsage: Bool) -> any StreamTranslator {
        Translator(model: clientModel, wantsUsage: wantsUsage, created: Int(Date().timeIntervalSince1970))
    }

    func errorMessage(_ body: ByteBuffer) -> String {
        if let error = Adapters.object(body)?["error"] as? [String: Any], let message = error["message"] as? String {
            return message
        }
        return String(String(buffer: body).prefix(300))
    }

    /// Anthropic counts cache reads and writes apart from `input_tokens`; OpenAI's prompt includes them.
    static func usage(_ json: [String: Any]?) -> TokenUsage? {
        guard let json else { return nil }
        func count(_ key: String) -> Int64 { (json[key] as? NSNumber)?.int64Value ?? 0 }
        let cached = count("cache_read_input_tokens")
        let written = count("cache_creation_input_tokens")
        return TokenUsage(input: count("input_tokens") + cached + written, output: count("output_tokens"),
                          cachedInput: cached, cacheWrite: written)
    }

    static func usageJSON(_ usage: TokenUsage) -> [String: Any] {
        var json: [String: Any] = ["prompt_tokens": usage.input, "completion_tokens": usage.output,
                                   "total_tokens": usage.input + usage.output]
        if usage.cachedInput > 0 { json["prompt_tokens_details"] = ["cached_tokens": usage.cachedInput] }
        return json
    }

    static func finishReason(_ stopReason: String?) -> Any {
        switch stopReason {
        case "end_turn", "stop_sequence": "stop"
        case "max_tokens": "length"
        case "tool_use": "tool_calls"
        case nil: NSNull()
        default: "stop"
        }
    }

    struct Translator: StreamTranslator {
        let model: String
        let wantsUsage: Bool
        let created: Int
        var id = "chatcmpl-" + UUID().uuidString
        var input: TokenUsage?
        var usage: TokenUsage?
        var finished = false
        var contentEvents: Int64 = 0

        private func chunk(_ delta: [String: Any], finish: Any = NSNull()) -> ByteBuffer {
            let object: [String: Any] = [
                "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [["index": 0, "delta": delta, "finish_reason": finish]],
            ]
            var buffer = ByteBuffer(string: "data: ")
            buffer.writeImmutableBuffer(Adapters.json(object))
            buffer.writeString("\n\n")
            return buffer
        }

        mutating func translate(_ event: SSEEvent) -> [ByteBuffer] {
            guard let json = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any] else { return [] }
            switch json["type"] as? String ?? event.event {
            case "message_start":
                let message = json["message"] as? [String: Any]
                if let upstreamId = message?["id"] as? String { id = "chatcmpl-" + upstreamId }
                input = Self.usageOf(message)
                return [chunk(["role": "assistant", "content": ""])]
            case "content_block_delta":
                guard let text = (json["delta"] as? [String: Any])?["text"] as? String else { return [] }
                contentEvents += 1
                return [chunk(["content": text])]
            case "message_delta":
                var total = input ?? TokenUsage()
                total.output = AnthropicAdapter.usage(json["usage"] as? [String: Any])?.output ?? 0
                usage = total
                let reason = AnthropicAdapter.finishReason((json["delta"] as? [String: Any])?["stop_reason"] as? String)
                return [chunk([:], finish: reason)]
            case "message_stop":
                finished = true
                guard wantsUsage, let usage else { return [] }
                let object: [String: Any] = [
                    "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
                    "choices": [], "usage": AnthropicAdapter.usageJSON(usage),
                ]
                return [SSEParser.encode(data: String(buffer: Adapters.json(object)))]
            default:
                return []
            }
        }

        private static func usageOf(_ message: [String: Any]?) -> TokenUsage? {
            AnthropicAdapter.usage(message?["usage"] as? [String: Any])
        }
    }
}
