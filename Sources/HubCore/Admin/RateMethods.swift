import Foundation
import GRDB

/// A rate with its provider's name and the operator's margin over the provider's cost.
public struct RateInfo: Codable, Sendable, Equatable {
    public var rate: ModelRate
    public var provider: String
    /// `provider/model`.
    public var model: String
    /// (credit rate − provider cost) ÷ provider cost over input + output prices, as a percentage with
    /// one decimal (1 credit = 1 USD); nil when the cost is unknown (zero).
    public var marginPercent: String?

    init(_ rate: ModelRate, provider: String) {
        self.rate = rate
        self.provider = provider
        model = "\(provider)/\(rate.model)"
        let charged = Int128(rate.inputRate.nanos) + Int128(rate.outputRate.nanos)
        let cost = Int128(rate.inputCost.nanos) + Int128(rate.outputCost.nanos)
        if cost > 0 {
            let permille = Amount.divideRounded((charged - cost) * 1_000, by: cost)
            let sign = permille < 0 ? "-" : ""
            marginPercent = "\(sign)\(permille.magnitude / 10).\(permille.magnitude % 10)"
        }
    }
}

/// `provider/model`, split and checked.
struct ModelReference {
    var provider: String
    var model: String

    init(_ text: String) throws(HubError) {
        try Validate.plainText(text, "the model name")
        let parts = text.trimmingSpaces.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw HubError.invalid("'\(text)' is not provider/model (for example openai/gpt-4o)")
        }
        provider = parts[0]
        model = parts[1]
    }
}

extension Admin {
    /// `rates.set`: sets the current rate of a model; the previous one is closed and kept as history.
    /// Prices not given keep their current value (zero for a new rate).
    public struct RatesSet: AdminMethod {
        public static let name = "rates.set"
        /// `provider/model`.
        public var model: String
        public var type: ModelType?
        /// How many tokens the token prices below are for (default 1M).
        public var per: PriceUnit?
        public var input: Amount?
        public var output: Amount?
        public var cachedInput: Amount?
        public var image: Amount?
        public var costInput: Amount?
        public var costOutput: Amount?
        public var costCachedInput: Amount?
        public var costImage: Amount?
        /// Prompt tokens written to the provider's cache (absent: priced as input).
        public var cacheWrite: Amount?
        public var costCacheWrite: Amount?

        public init(model: String, type: ModelType? = nil, per: PriceUnit? = nil, input: Amount? = nil,
                    output: Amount? = nil, cachedInput: Amount? = nil, image: Amount? = nil,
                    costInput: Amount? = nil, costOutput: Amount? = nil, costCachedInput: Amount? = nil,
                    costImage: Amount? = nil, cacheWrite: Amount? = nil, costCacheWrite: Amount? = nil) {
            self.model = model; self.type = type; self.per = per; self.input = input; self.output = output
            self.cachedInput = cachedInput; self.image = image; self.costInput = costInput
            self.costOutput = costOutput; self.costCachedInput = costCachedInput; self.costImage = costImage
            self.cacheWrite = cacheWrite; self.costCacheWrite = costCacheWrite
        }

        public func run(_ context: AdminContext) async throws -> RateInfo {
            let reference = try ModelReference(model)
            let type = type ?? .chat
            let unit = per ?? .million
            func perMillion(_ price: Amount?, _ what: String) throws(HubError) -> Amount? {
                guard let price else { return nil }
                return try unit.perMillion(try Validate.nonNegative(price, what))
            }
            let prices = (
                input: try perMillion(input, "input price"), output: try perMillion(output, "output price"),
                cached: try perMillion(cachedInput, "cached input price"),
                image: try image.map { price throws(HubError) in try Validate.nonNegative(price, "image price") },
                costInput: try perMillion(costInput, "input cost"), costOutput: try perMillion(costOutput, "output cost"),
                costCached: try perMillion(costCachedInput, "cached input cost"),
                costImage: try costImage.map { price throws(HubError) in try Validate.nonNegative(price, "image cost") },
                cacheWrite: try perMillion(cacheWrite, "cache-write price"),
                costCacheWrite: try perMillion(costCacheWrite, "cache-write cost"))
            guard [prices.input, prices.output, prices.cached, prices.image, prices.costInput, prices.costOutput,
                   prices.costCached, prices.costImage, prices.cacheWrite, prices.costCacheWrite].contains(where: { $0 != nil }) else {
                throw HubError.invalid("give at least one price (--input, --output, --cached-input, --cache-write, --image or a --cost-…)")
            }
            return try await context.write { db in
                let provider = try Lookup.provider(db, reference.provider)
                let now = Date()
                let current = try ModelRate.fetchOne(db, sql: """
                    SELECT * FROM model_rates WHERE provider_id = ? AND model = ? AND type = ? AND valid_to IS NULL
                    """, arguments: [provider.id, reference.model, type.rawValue])
                var rate = ModelRate(
                    id: nil, providerId: provider.id!, model: reference.model, type: type,
                    inputRate: prices.input ?? current?.inputRate ?? .zero,
                    outputRate: prices.output ?? current?.outputRate ?? .zero,
                    cachedInputRate: prices.cached ?? current?.cachedInputRate,
                    imageRate: prices.image ?? current?.imageRate ?? .zero,
                    inputCost: prices.costInput ?? current?.inputCost ?? .zero,
                    outputCost: prices.costOutput ?? current?.outputCost ?? .zero,
                    cachedInputCost: prices.costCached ?? current?.cachedInputCost,
                    imageCost: prices.costImage ?? current?.imageCost ?? .zero,
                    validFrom: now, validTo: nil,
                    cacheWriteRate: prices.cacheWrite ?? current?.cacheWriteRate,
                    cacheWriteCost: prices.costCacheWrite ?? current?.cacheWriteCost)
                if let current {
                    try db.execute(sql: "UPDATE model_rates SET valid_to = ? WHERE id = ?", arguments: [now, current.id])
                }
                try rate.insert(db)
                try context.audit(db, Self.name, target: "rate:\(provider.name)/\(reference.model)",
                                  before: current, after: rate)
                return RateInfo(rate, provider: provider.name)
            }
        }
    }

    /// `rates.list`: current rates, of one provider or all.
    public struct RatesList: AdminMethod {
        public static let name = "rates.list"
        public static let mutates = false
        public var provider: String?
        public init(provider: String? = nil) { self.provider = provider }

        public func run(_ context: AdminContext) async throws -> [RateInfo] {
            try await context.read { db in
                try RateQueries.rates(db, provider: provider, current: true)
            }
        }
    }

    /// `rates.remove`: closes the current rate (history is kept). The model becomes unpriced.
    public struct RatesRemove: AdminMethod {
        public static let name = "rates.remove"
        public var model: String
        public var type: ModelType?
        public init(model: String, type: ModelType? = nil) { self.model = model; self.type = type }

        public func run(_ context: AdminContext) async throws -> Done {
            let reference = try ModelReference(model)
            let type = type ?? .chat
            return try await context.write { db in
                let provider = try Lookup.provider(db, reference.provider)
                guard var rate = try ModelRate.fetchOne(db, sql: """
                    SELECT * FROM model_rates WHERE provider_id = ? AND model = ? AND type = ? AND valid_to IS NULL
                    """, arguments: [provider.id, reference.model, type.rawValue]) else {
                    throw HubError.notFound("\(provider.name)/\(reference.model) has no current \(type.rawValue) rate")
                }
                let before = rate
                rate.validTo = Date()
                try db.execute(sql: "UPDATE model_rates SET valid_to = ? WHERE id = ?", arguments: [rate.validTo, rate.id])
                try context.audit(db, Self.name, target: "rate:\(provider.name)/\(reference.model)",
                                  before: before, after: rate)
                return Done()
            }
        }
    }

    /// `rates.history`: every rate a model has had, newest first.
    public struct RatesHistory: AdminMethod {
        public static let name = "rates.history"
        public static let mutates = false
        public var model: String
        public init(model: String) { self.model = model }

        public func run(_ context: AdminContext) async throws -> [RateInfo] {
            let reference = try ModelReference(model)
            return try await context.read { db in
                try RateQueries.rates(db, provider: reference.provider, model: reference.model, current: false)
            }
        }
    }
}

enum RateQueries {
    /// Rates with their provider names, by provider, model, type, newest first.
    static func rates(_ db: StoreDB, provider: String?, model: String? = nil, current: Bool) throws -> [RateInfo] {
        var conditions: [String] = []
        var arguments: StoreArguments = []
        if let provider {
            conditions.append("r.provider_id = ?")
            arguments += [try Lookup.provider(db, provider).id]
        }
        if let model {
            conditions.append("r.model = ?")
            arguments += [model]
        }
        if current { conditions.append("r.valid_to IS NULL") }
        let rows = try Row.fetchAll(db, sql: """
            SELECT r.*, p.name AS provider_name FROM model_rates r JOIN providers p ON p.id = r.provider_id
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY \(db.binaryOrder("lower(p.name)")), \(db.binaryOrder("r.model")), \(db.binaryOrder("r.type")), r.id DESC
            """, arguments: arguments)
        return try rows.map { RateInfo(try ModelRate(row: $0), provider: $0["provider_name"]) }
    }
}
