/// Money in the hub: credits and US dollars alike, as a signed count of **nano-units** (10⁻⁹).
///
/// This is the only place that defines the scale. Everything that is billed, charged, granted
/// or estimated is an `Amount`; there is no `Double` on any path that moves money.
///
/// - 1 credit = 1_000_000_000 nano-credits; 1 USD = 1_000_000_000 nano-dollars.
/// - `Int64` holds ±9.2 billion credits: far beyond any balance, and arithmetic that would leave
///   that range is refused with an error rather than wrapping.
/// - Text form: a plain decimal with at most nine fractional digits, no exponent, no grouping
///   (`"12.5"`, `"0.000003"`, `"-4"`). JSON carries the same text as a string, so no client ever
///   rounds an amount through a binary float.
public struct Amount: Sendable, Hashable, Comparable {
    /// Fractional digits of the fixed-point representation.
    public static let decimals = 9
    /// Nano-units in one whole unit.
    public static let scale: Int64 = 1_000_000_000

    public static let zero = Amount(nanos: 0)

    /// The amount in nano-units.
    public var nanos: Int64

    public init(nanos: Int64) { self.nanos = nanos }

    /// A whole number of units; traps only on values beyond ±9.2 billion, which are programmer errors.
    public init(units: Int64) { self.nanos = units * Amount.scale }

    public static func < (lhs: Amount, rhs: Amount) -> Bool { lhs.nanos < rhs.nanos }

    public var isNegative: Bool { nanos < 0 }
    public var isPositive: Bool { nanos > 0 }
    public var negated: Amount { Amount(nanos: -nanos) }

    /// Sum that reports overflow as an error instead of wrapping or trapping.
    public func adding(_ other: Amount) throws(HubError) -> Amount {
        let (sum, overflow) = nanos.addingReportingOverflow(other.nanos)
        guard !overflow else { throw HubError.invalid("amount out of range: \(self) + \(other)") }
        return Amount(nanos: sum)
    }

    public func subtracting(_ other: Amount) throws(HubError) -> Amount {
        try adding(other.negated)
    }
}

// MARK: - Text

extension Amount: CustomStringConvertible, LosslessStringConvertible {
    /// Parses `"12.5"`, `"-3"`, `"0.000000001"`, `"+7."`. Rejects exponents, grouping, more than
    /// nine fractional digits (which would need rounding) and values out of range.
    public init(parsing text: String) throws(HubError) {
        let trimmed = text.trimmingSpaces
        var digits = Substring(trimmed)
        var negative = false
        if let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty),
              whole.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit) else {
            throw HubError.invalid("'\(text)' is not an amount: write a decimal number such as 12.5")
        }
        guard fraction.count <= Amount.decimals else {
            throw HubError.invalid("'\(text)' has more than \(Amount.decimals) decimal places")
        }
        let padded = fraction + String(repeating: "0", count: Amount.decimals - fraction.count)
        guard let units = Int64(whole.isEmpty ? "0" : String(whole)),
              let nanoPart = Int64(padded) else {
            throw HubError.invalid("'\(text)' is out of range")
        }
        let (scaled, overflow1) = units.multipliedReportingOverflow(by: Amount.scale)
        let (magnitude, overflow2) = scaled.addingReportingOverflow(nanoPart)
        guard !overflow1, !overflow2 else { throw HubError.invalid("'\(text)' is out of range") }
        self.nanos = negative ? -magnitude : magnitude
    }

    public init?(_ description: String) {
        guard let parsed = try? Amount(parsing: description) else { return nil }
        self = parsed
    }

    /// The shortest exact decimal: `12.5`, `0.000003`, `-4`.
    public var description: String {
        let magnitude = nanos.magnitude
        let whole = magnitude / UInt64(Amount.scale)
        let fraction = magnitude % UInt64(Amount.scale)
        var text = String(whole)
        if fraction != 0 {
            let digits = String(fraction)
            var padded = String(repeating: "0", count: Amount.decimals - digits.count) + digits
            while padded.hasSuffix("0") { padded.removeLast() }
            text += "." + padded
        }
        return nanos < 0 ? "-" + text : text
    }

    /// Rounded for display to `places` decimals (half away from zero): `formatted(places: 2)` → `"12.50"`.
    /// Display only: never feed the result back into a balance.
    public func formatted(places: Int) -> String {
        precondition((0...Amount.decimals).contains(places))
        let step = Int64(pow10(Amount.decimals - places))
        let rounded = Amount.divideRounded(Int128(nanos), by: Int128(step))
        let magnitude = rounded.magnitude
        let unit = UInt128(pow10(places))
        var text = String(magnitude / unit)
        if places > 0 {
            let fraction = String(magnitude % unit)
            text += "." + String(repeating: "0", count: places - fraction.count) + fraction
        }
        return rounded < 0 ? "-" + text : text
    }
}

// MARK: - The one rounding rule

extension Amount {
    /// **The hub's rounding rule**: divide and round half away from zero. Cost computation calls it
    /// exactly once per call (see ``ModelPrice/cost(of:)``); nothing else rounds money.
    package static func divideRounded(_ numerator: Int128, by denominator: Int128) -> Int128 {
        precondition(denominator > 0)
        let half = denominator / 2
        return numerator >= 0
            ? (numerator + half) / denominator
            : -((-numerator + half) / denominator)
    }
}

// MARK: - Codable (JSON: a decimal string; whole numbers are accepted as JSON integers too)

extension Amount: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            do { self = try Amount(parsing: text) } catch {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
            }
        } else if let units = try? container.decode(Int64.self),
                  units.magnitude <= UInt64(Int64.max / Amount.scale) {
            self = Amount(units: units)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "an amount must be a decimal string such as \"12.5\"")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

private func pow10(_ exponent: Int) -> Int64 {
    (0..<exponent).reduce(1) { product, _ in product * 10 }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension String {
    var trimmingSpaces: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
