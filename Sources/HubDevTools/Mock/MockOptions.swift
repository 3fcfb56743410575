/// How `aigne-hub mock-upstream` answers.
public struct MockOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8099
    /// Delay before answering (before the headers), in milliseconds.
    public var latencyMs = 0
    /// Output tokens per answer (a request's smaller `max_tokens` wins).
    public var tokens = 16
    /// Delay between streamed chunks, in milliseconds.
    public var chunkDelayMs = 0
    /// A fault injected into a share of requests (see ``MockFault``).
    public var fault: MockFault?
    /// Share of requests (0...1) that get `fault`.
    public var faultRate = 1.0

    public init() {}
}

/// A fault the mock injects. Per request it is chosen by the `x-mock-fault` header, or by
/// `fault-<spec>` inside the API key or the model name (so faults can be aimed through a hub at
/// one credential or one model), else by `--fault` with `--fault-rate`.
public enum MockFault: Sendable, Equatable {
    /// Answer with this HTTP status and an error body in the provider's format.
    case status(Int)
    /// Never answer (the client's timeout fires).
    case timeout
    /// Stream half of the answer, then cut the connection (plain answers: cut at once).
    case reset
    /// Ignore the request's `max_tokens` / `max_completion_tokens`: always answer `--tokens` tokens
    /// (an upstream that disobeys the output limit the hub sent).
    case ignoreMaxTokens
    /// Accept the request, send the 200 head and the first bytes of the body, then never finish.
    case stall

    /// Parses `503`, `timeout`, `reset`, `stall` or `ignore-max-tokens`.
    public init?(_ text: String) {
        switch text.lowercased() {
        case "timeout": self = .timeout
        case "reset": self = .reset
        case "ignore-max-tokens", "ignoremaxtokens": self = .ignoreMaxTokens
        case "stall": self = .stall
        default:
            guard let code = Int(text), (400...599).contains(code) else { return nil }
            self = .status(code)
        }
    }

    /// The fault named by `fault-<spec>` somewhere in `text`, if any.
    static func embedded(in text: String) -> MockFault? {
        guard let range = text.range(of: "fault-") else { return nil }
        let rest = text[range.upperBound...]
        return MockFault(String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "-" }))
            ?? MockFault(String(rest.prefix { $0.isLetter || $0.isNumber }))
    }
}
