import Foundation
import HubCore
import NIOCore
import NIOFoundationCompat

/// A client's chat or embeddings request, parsed once. Holds the JSON object as decoded (so the
/// adapters forward every field they do not know), which is why it never leaves its task.
struct ChatRequest {
    /// The body as the client sent it.
    var body: ByteBuffer
    var json: [String: Any]
    var model: String
    var stream: Bool
    var wantsUsage: Bool
    /// The smallest of the client's `max_tokens` and `max_completion_tokens`, if it set either.
    var maxTokens: Int64?
    /// Which of the two limit fields the client set.
    var limitFields: Set<String> = []
    /// Choices asked for (`n`, 1 when absent): each may be as long as the output limit.
    var choices: Int64 = 1
    /// Image inputs (`image_url` / `input_image` parts of the messages).
    var images: Int64 = 0
    /// A generous estimate of the prompt's tokens, for the reservation and when the upstream is silent.
    var promptEstimate: Int64
    /// Fields that change what the upstream charges (beyond tokens and images), with their values.
    var pricedFields: [String] = []
    /// The output limit the hub reserved for and writes into the forwarded body (nil: not written).
    var outputLimit: Int64?
    /// The hub's output limit for a request that set none (`--default-max-tokens`), for adapters whose
    /// upstream requires one.
    var defaultOutputLimit: Int64 = 4_096

    /// The output limit the call runs under: the reserved one, else the client's, else the hub's default.
    var effectiveOutputLimit: Int64 { outputLimit ?? maxTokens ?? defaultOutputLimit }

    static let limitKeys = ["max_tokens", "max_completion_tokens"]
    /// The top-level fields of OpenAI's chat completions that the hold covers: in service-provider
    /// mode any other field (OpenRouter's `models`, `plugins`, `provider`, xAI's `search_parameters`,
    /// ...) could change what the provider bills, so it is refused rather than forwarded.
    static let chatFields: Set<String> = [
        "messages", "model", "stream", "stream_options", "temperature", "top_p", "n", "stop", "max_tokens",
        "max_completion_tokens", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs",
        "user", "seed", "tools", "tool_choice", "parallel_tool_calls", "response_format", "reasoning_effort",
        "metadata", "store", "modalities", "service_tier", "functions", "function_call",
    ]
    /// The top-level fields of OpenAI's embeddings that the hold covers.
    static let embeddingsFields: Set<String> = ["input", "model", "encoding_format", "dimensions", "user"]
    static let maxModelNameLength = 256
    /// Prompt tokens assumed per image on top of the text (OpenAI's high-detail tiles: 1,105 at most
    /// for gpt-4o), so that an image's base64 bytes are not counted as text.
    static let tokensPerImage: Int64 = 1_536

    /// Parses an OpenAI request body; errors are the 400s the client sees.
    init(body: ByteBuffer) throws(APIError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)),
              let json = object as? [String: Any] else {
            throw APIError.badRequest("the request body is not a JSON object")
        }
        guard let model = json["model"] as? String, !model.isEmpty else {
            throw APIError.badRequest("you must provide a model parameter", param: "model")
        }
        try Self.validate(modelName: model)
        self.body = body
        self.json = json
        self.model = model
        stream = json["stream"] as? Bool ?? false
        wantsUsage = (json["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
        for key in Self.limitKeys {
            guard let value = json[key], !(value is NSNull) else { continue }
            let limit = try Self.positiveInteger(value, key)
            limitFields.insert(key)
            maxTokens = min(maxTokens ?? limit, limit)
        }
        if let n = json["n"], !(n is NSNull) {
            choices = try Self.positiveInteger(n, "n")
            guard choices <= 128 else { throw APIError.badRequest("n must be at most 128", param: "n") }
        }
        var imageBytes = 0
        for message in json["messages"] as? [[String: Any]] ?? [] {
            for part in message["content"] as? [[String: Any]] ?? [] {
                guard let type = part["type"] as? String, type == "image_url" || type == "input_image" || type == "image" else {
                    continue
                }
                images += 1
                let url = (part["image_url"] as? [String: Any])?["url"] as? String ?? part["image_url"] as? String
                imageBytes += url?.utf8.count ?? 0
            }
        }
        if let tier = json["service_tier"] as? String, !["auto", "default"].contains(tier) {
            pricedFields.append("service_tier '\(tier)'")
        }
        for key in ["web_search_options", "audio", "prediction"] where json[key] != nil && !(json[key] is NSNull) {
            pricedFields.append(key)
        }
        // About four bytes a token in English; a third of the bytes errs on the high side for all.
        promptEstimate = Int64(max(0, body.readableBytes - imageBytes) / 3 + 8) + images * Self.tokensPerImage
    }

    /// Refuses a field outside `allowed` (the first, by name), and `modalities` other than text only:
    /// the hold prices tokens and images, not what such a field may add.
    func checkFields(allowed: Set<String>) throws(APIError) {
        if let field = json.keys.filter({ !allowed.contains($0) }).sorted().first {
            let unknown = String(String.UnicodeScalarView(field.unicodeScalars.filter { $0.properties.generalCategory != .control }.prefix(100)))
            throw APIError.badRequest("'\(unknown)' is not a field this hub forwards: it may change the provider's price",
                                      param: unknown)
        }
        if let modalities = json["modalities"], !(modalities is NSNull), (modalities as? [String]) != ["text"] {
            throw APIError.badRequest("modalities other than [\"text\"] are not offered by this hub", param: "modalities")
        }
    }

    /// A model name is at most 256 characters, none of them a control character.
    static func validate(modelName model: String) throws(APIError) {
        guard model.unicodeScalars.count <= maxModelNameLength else {
            throw APIError.badRequest("the model name is longer than \(maxModelNameLength) characters", param: "model")
        }
        guard !model.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.badRequest("the model name contains a control character", param: "model")
        }
    }

    /// The largest output limit or choice count accepted: far above any model's (about 10^6 output
    /// tokens), and small enough that a worst case priced from it cannot reach `Int64.max` nano-units,
    /// which would make holds, budgets and the usage rollups' sums meaningless.
    static let largestCount: Int64 = 100_000_000

    /// A JSON number that is a positive integer (`1` and `1.0`, not `true`, `1.5` or `"1"`), at most
    /// ``largestCount``.
    private static func positiveInteger(_ value: Any, _ key: String) throws(APIError) -> Int64 {
        // JSONSerialization gives booleans as NSNumber too (and `1 is Bool` holds on Linux): a boolean's
        // Objective-C type is "c" (char), a number's is an integer or double type.
        guard let number = value as? NSNumber, number.objCType.pointee != 0x63,
              number.doubleValue >= 1, number.doubleValue == Double(number.int64Value) else {
            throw APIError.badRequest("\(key) must be a positive integer", param: key)
        }
        guard number.int64Value <= largestCount else {
            throw APIError.badRequest("\(key) must be at most \(largestCount), got \(number.int64Value)", param: key)
        }
        return number.int64Value
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
