import Foundation
import HubCore

/// A client's chat or embeddings request, parsed once. Holds the JSON object as decoded (so the
/// adapters forward every field they do not know), which is why it never leaves its task.
struct ChatRequest {
    /// The body as the client sent it.
    var body: Data
    var json: [String: Any]
    var model: String
    var stream: Bool
    var wantsUsage: Bool
    var maxTokens: Int64?
    /// A generous estimate of the prompt's tokens, for the reservation and when the upstream is silent.
    var promptEstimate: Int64

    /// Parses an OpenAI request body; errors are the 400s the client sees.
    init(body: Data) throws(APIError) {
        guard let object = try? JSONSerialization.jsonObject(with: body), let json = object as? [String: Any] else {
            throw APIError.badRequest("the request body is not a JSON object")
        }
        guard let model = json["model"] as? String, !model.isEmpty else {
            throw APIError.badRequest("you must provide a model parameter", param: "model")
        }
        self.body = body
        self.json = json
        self.model = model
        stream = json["stream"] as? Bool ?? false
        wantsUsage = (json["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
        let limit = json["max_completion_tokens"] ?? json["max_tokens"]
        if let limit, !(limit is NSNull) {
            guard let number = limit as? NSNumber, !(limit is Bool), number.int64Value > 0,
                  number.doubleValue == Double(number.int64Value) else {
                throw APIError.badRequest("max_tokens must be a positive integer", param: "max_tokens")
            }
            maxTokens = number.int64Value
        }
        // About four bytes a token in English; a third of the bytes errs on the high side for all.
        promptEstimate = Int64(body.count / 3 + 8)
    }

    /// The text of every message (string content or text parts), for estimates and adapters.
    static func text(of content: Any?) -> String {
        if let text = content as? String { return text }
        if let parts = content as? [[String: Any]] {
            return parts.compactMap { $0["text"] as? String }.joined(separator: "\n")
        }
        return ""
    }
}

/// Token counts in the OpenAI `usage` object.
struct OpenAIUsage: Codable, Sendable {
    struct Details: Codable, Sendable { var cachedTokens: Int64? }
    var promptTokens: Int64?
    var completionTokens: Int64?
    var totalTokens: Int64?
    var promptTokensDetails: Details?

    var tokenUsage: TokenUsage {
        TokenUsage(input: promptTokens ?? 0, output: completionTokens ?? 0,
                   cachedInput: promptTokensDetails?.cachedTokens ?? 0)
    }

    init(_ usage: TokenUsage) {
        promptTokens = usage.input
        completionTokens = usage.output
        totalTokens = usage.input + usage.output
        if usage.cachedInput > 0 { promptTokensDetails = Details(cachedTokens: usage.cachedInput) }
    }

    /// The `usage` of an OpenAI response or stream chunk, if it has one. Only the `usage` object
    /// is decoded, not the whole answer.
    static func find(in json: some Collection<UInt8>) -> OpenAIUsage? {
        guard let object = JSONBytes.object(after: "usage", in: json) else { return nil }
        // The three counts are read directly (a JSONDecoder costs more than the rest of this step).
        var usage = OpenAIUsage(TokenUsage())
        usage.promptTokens = JSONBytes.integer(after: "prompt_tokens", in: object)
        usage.completionTokens = JSONBytes.integer(after: "completion_tokens", in: object)
        usage.totalTokens = JSONBytes.integer(after: "total_tokens", in: object)
        usage.promptTokensDetails = JSONBytes.integer(after: "cached_tokens", in: object).map { Details(cachedTokens: $0) }
        guard usage.promptTokens != nil || usage.completionTokens != nil else { return nil }
        return usage
    }
}
