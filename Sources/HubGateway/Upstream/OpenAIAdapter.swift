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
        var json = chat.json
        json["model"] = model
        if chat.stream {
            var options = json["stream_options"] as? [String: Any] ?? [:]
            options["include_usage"] = true
            json["stream_options"] = options
        }
        let headers = target.secret.map { [("authorization", "Bearer \($0)")] } ?? []
        return try Adapters.jsonRequest(url: target.baseURL + path, headers: headers, json: json)
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
            if event.data.contains("\"usage\""), let found = OpenAIUsage.find(in: Array(event.data.utf8)) {
                usage = found.tokenUsage
                if !wantsUsage && event.data.contains("\"choices\":[]") { return [] }
            }
            if event.data.contains("\"content\"") { contentEvents += 1 }
            return [SSEParser.encode(data: event.data)]
        }
    }
}
