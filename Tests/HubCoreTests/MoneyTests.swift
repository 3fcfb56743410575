import Foundation
import HubTestSupport
import Testing
@testable import HubCore

@Suite("Money: parsing, printing and the one rounding rule")
struct MoneyTests {
    @Test("examples parse and print exactly", arguments: [
        ("12.5", 12_500_000_000), ("0.000003", 3_000), ("-4", -4_000_000_000), ("0.000000001", 1),
        ("+7.", 7_000_000_000), (".5", 500_000_000), ("  3  ", 3_000_000_000), ("0", 0),
    ] as [(String, Int64)])
    func parsesExamples(text: String, nanos: Int64) async throws {
        #expect(try Amount(parsing: text).nanos == nanos)
    }

    @Test("malformed or over-precise amounts are refused with a message naming them", arguments: [
        "", "abc", "1e5", "1,000", "1.2.3", "--1", "0.0000000001", "99999999999", "١٢", "12 5",
    ])
    func refusesMalformed(text: String) async {
        #expect(throws: HubError.self) { try Amount(parsing: text) }
        do { _ = try Amount(parsing: text) } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("'\(text)'"))
        }
    }

    @Test("printing then parsing gives back every amount (10,000 random values)")
    func roundTrips() async throws {
        var random = SplitMix64(seed: 0xA1)
        for _ in 0..<10_000 {
            let nanos = Int64.random(in: -Int64(9e18)...Int64(9e18), using: &random) / Int64.random(in: 1...1_000_000_000, using: &random)
            let amount = Amount(nanos: nanos)
            #expect(try Amount(parsing: amount.description) == amount)
            #expect(!amount.description.contains("e"))
        }
    }

    @Test("JSON carries amounts as exact decimal strings")
    func jsonIsDecimalText() async throws {
        let data = try HubJSON.encoder().encode(["balance": Amount(nanos: 1_000_000_001)])
        #expect(String(decoding: data, as: UTF8.self) == #"{"balance":"1.000000001"}"#)
        let decoded = try HubJSON.decoder().decode([String: Amount].self, from: Data(#"{"a":"0.1","b":3}"#.utf8))
        #expect(decoded == ["a": Amount(nanos: 100_000_000), "b": Amount(units: 3)])
        #expect(throws: DecodingError.self) { try HubJSON.decoder().decode([String: Amount].self, from: Data(#"{"a":0.1}"#.utf8)) }
    }

    @Test("overflow is an error, never a wrap")
    func overflowIsRefused() async {
        let huge = Amount(nanos: .max - 1)
        #expect(throws: HubError.self) { try huge.adding(Amount(nanos: 2)) }
        #expect(throws: HubError.self) { try PriceUnit.token.perMillion(Amount(nanos: .max / 10)) }
    }

    @Test("display rounding is half away from zero")
    func displayRounding() async {
        #expect(Amount(nanos: 12_345_000_000).formatted(places: 2) == "12.35")
        #expect(Amount(nanos: -12_345_000_000).formatted(places: 2) == "-12.35")
        #expect(Amount(nanos: 12_344_999_999).formatted(places: 2) == "12.34")
        #expect(Amount(units: 7).formatted(places: 0) == "7")
        #expect(Amount(nanos: 5).formatted(places: 4) == "0.0000")
    }

    @Test("price units convert to per-million exactly")
    func priceUnits() async throws {
        #expect(try PriceUnit(parsing: "1k").perMillion(Amount(parsing: "0.0025")) == (try Amount(parsing: "2.5")))
        #expect(try PriceUnit(parsing: "1").perMillion(Amount(parsing: "0.000002")) == (try Amount(parsing: "2")))
        #expect(throws: HubError.self) { try PriceUnit(parsing: "2M") }
    }
}

@Suite("Pricing: the cost of one call")
struct PricingTests {
    let gpt4o = ModelPrice(inputPerMillion: Amount(nanos: 2_500_000_000), outputPerMillion: Amount(units: 10),
                           cachedInputPerMillion: Amount(nanos: 1_250_000_000))

    @Test("a typical call")
    func typicalCall() async {
        // 1,000 prompt tokens (200 cached) and 500 completion tokens:
        // 800 × 2.5 + 200 × 1.25 + 500 × 10 = 7,250 per million = 0.00725
        #expect(gpt4o.cost(of: TokenUsage(input: 1_000, output: 500, cachedInput: 200)) == Amount(nanos: 7_250_000))
    }

    @Test("rounding happens once per call, half away from zero, to the nano-credit")
    func roundsOnce() async {
        let tiny = ModelPrice(inputPerMillion: Amount(nanos: 1), outputPerMillion: Amount(nanos: 3))
        #expect(tiny.cost(of: TokenUsage(input: 499_999)) == .zero)                 // 0.499999 nano
        #expect(tiny.cost(of: TokenUsage(input: 500_000)) == Amount(nanos: 1))      // 0.5 nano rounds up
        // Per-token rounding would give 0 + 0; rounding the sum once gives 1 nano.
        #expect(tiny.cost(of: TokenUsage(input: 300_000, output: 100_000)) == Amount(nanos: 1))
    }

    @Test("cost equals an independent Decimal computation for 5,000 random calls")
    func matchesDecimalOracle() async {
        var random = SplitMix64(seed: 0xC057)
        for _ in 0..<5_000 {
            let price = ModelPrice(
                inputPerMillion: Amount(nanos: Int64.random(in: 0...200_000_000_000, using: &random)),
                outputPerMillion: Amount(nanos: Int64.random(in: 0...600_000_000_000, using: &random)),
                cachedInputPerMillion: Bool.random(using: &random) ? nil : Amount(nanos: Int64.random(in: 0...100_000_000_000, using: &random)),
                perImage: Amount(nanos: Int64.random(in: 0...1_000_000_000, using: &random)))
            let input = Int64.random(in: 0...2_000_000, using: &random)
            let usage = TokenUsage(input: input, output: Int64.random(in: 0...200_000, using: &random),
                                   cachedInput: Int64.random(in: 0...input, using: &random),
                                   images: Int64.random(in: 0...4, using: &random))
            let exact = Decimal(usage.input - usage.cachedInput) * Decimal(price.inputPerMillion.nanos)
                + Decimal(usage.cachedInput) * Decimal((price.cachedInputPerMillion ?? price.inputPerMillion).nanos)
                + Decimal(usage.output) * Decimal(price.outputPerMillion.nanos)
            var perMillion = exact / 1_000_000, rounded = Decimal()
            NSDecimalRound(&rounded, &perMillion, 0, .plain)  // .plain = half away from zero
            let expected = rounded + Decimal(usage.images) * Decimal(price.perImage.nanos)
            #expect(Decimal(price.cost(of: usage).nanos) == expected, "\(usage) at \(price)")
        }
    }

    @Test("negative counts are treated as zero and cached tokens never exceed input")
    func clampsCounts() async {
        #expect(gpt4o.cost(of: TokenUsage(input: -5, output: -1)) == .zero)
        #expect(gpt4o.cost(of: TokenUsage(input: 100, cachedInput: 1_000)) == Amount(nanos: 125_000))
    }
}
