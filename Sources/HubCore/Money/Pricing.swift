/// Token counts of one call, as the upstream reported them (or as the hub estimated them).
///
/// `input` is the whole prompt, *including* `cachedInput` and `cacheWrite` (OpenAI's convention);
/// adapters for providers that count cache reads and writes separately add them in before building
/// this value.
public struct TokenUsage: Sendable, Hashable, Codable {
    public var input: Int64
    public var output: Int64
    public var cachedInput: Int64
    /// Prompt tokens written to the provider's cache (Anthropic's `cache_creation_input_tokens`).
    public var cacheWrite: Int64
    public var images: Int64

    public init(input: Int64 = 0, output: Int64 = 0, cachedInput: Int64 = 0, cacheWrite: Int64 = 0, images: Int64 = 0) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
        self.images = images
    }

    public var total: Int64 { input + output }
}

/// A price list for one model: amounts per **one million tokens** and per image.
///
/// The same shape serves two purposes: the credits the hub *charges* (the model's rate) and the
/// USD the provider *costs* (for margin and enterprise chargeback). A missing cached-input or
/// cache-write price means those tokens are priced as ordinary input.
public struct ModelPrice: Sendable, Hashable, Codable {
    public var inputPerMillion: Amount
    public var outputPerMillion: Amount
    public var cachedInputPerMillion: Amount?
    public var cacheWritePerMillion: Amount?
    public var perImage: Amount

    public init(
        inputPerMillion: Amount = .zero, outputPerMillion: Amount = .zero,
        cachedInputPerMillion: Amount? = nil, cacheWritePerMillion: Amount? = nil, perImage: Amount = .zero
    ) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
        self.cachedInputPerMillion = cachedInputPerMillion
        self.cacheWritePerMillion = cacheWritePerMillion
        self.perImage = perImage
    }

    public static let free = ModelPrice()

    /// The price of one call, **rounded once**, half away from zero, to the nano-unit.
    ///
    /// Every token is priced exactly (a 128-bit sum of tokens × price-per-million), the images are
    /// added, and only then is the total divided by one million and rounded: so a call of 1 token
    /// at 0.0001 per million costs 0 and a million such calls cost 0 too, while one call of a
    /// million tokens costs 0.0001. Counts below zero are treated as zero.
    public func cost(of usage: TokenUsage) -> Amount {
        let input = max(usage.input, 0)
        let cached = min(max(usage.cachedInput, 0), input)
        let written = min(max(usage.cacheWrite, 0), input - cached)
        let output = max(usage.output, 0)
        let images = max(usage.images, 0)
        let cachedPrice = cachedInputPerMillion ?? inputPerMillion
        let writePrice = cacheWritePerMillion ?? inputPerMillion
        let perMillionTokens: Int128 =
            Int128(input - cached - written) * Int128(inputPerMillion.nanos)
            + Int128(cached) * Int128(cachedPrice.nanos)
            + Int128(written) * Int128(writePrice.nanos)
            + Int128(output) * Int128(outputPerMillion.nanos)
            + Int128(images) * Int128(perImage.nanos) * 1_000_000
        let nanos = Amount.divideRounded(perMillionTokens, by: 1_000_000)
        return Amount(nanos: Int64(clamping: nanos))
    }
}

/// How many tokens a quoted price is for: `--per 1M`, `--per 1K`, `--per 1`.
public enum PriceUnit: String, Sendable, CaseIterable, Codable {
    case token = "1"
    case thousand = "1K"
    case million = "1M"

    public init(parsing text: String) throws(HubError) {
        switch text.uppercased() {
        case "1", "TOKEN": self = .token
        case "1K", "1000", "K": self = .thousand
        case "1M", "1000000", "M": self = .million
        default: throw HubError.invalid("unknown price unit '\(text)': use 1, 1K or 1M (tokens)")
        }
    }

    /// Converts a price quoted per this many tokens into a price per million tokens (exact).
    public func perMillion(_ quoted: Amount) throws(HubError) -> Amount {
        let factor: Int64 = switch self {
        case .token: 1_000_000
        case .thousand: 1_000
        case .million: 1
        }
        let (nanos, overflow) = quoted.nanos.multipliedReportingOverflow(by: factor)
        guard !overflow else { throw HubError.invalid("price \(quoted) per \(rawValue) tokens is out of range") }
        return Amount(nanos: nanos)
    }
}
