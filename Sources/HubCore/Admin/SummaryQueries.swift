import Foundation
import GRDB

// Summaries read from the rollups: users with their spend, providers with their health, models
// called without a rate. All of them read the rollups and small tables only, so they cost the same
// on 10 or 10 million events.

/// A user with this month's spend.
public struct UserSummary: Codable, Sendable, Equatable {
    public var user: User
    /// Credits charged since the first of this month (UTC), from the rollup.
    public var spendThisMonth: Amount

    public init(user: User, spendThisMonth: Amount) {
        self.user = user
        self.spendThisMonth = spendThisMonth
    }
}

extension HubSettings {
    /// Whether low balances are flagged: service-provider mode with a threshold above zero.
    public var hasLowBalanceThreshold: Bool { mode == .serviceProvider && lowBalanceThreshold.isPositive }

    /// A balance under the low-balance threshold (never, without a threshold).
    public func isLow(_ balance: Amount) -> Bool { hasLowBalanceThreshold && balance < lowBalanceThreshold }
}

/// A provider with its credential counts and its recent traffic (the current and the previous UTC
/// hour, from the `usage_health_hourly` rollup), in total and by credential.
public struct ProviderHealth: Codable, Sendable, Equatable {
    public var info: ProviderInfo
    /// Upstream attempts on this provider; failures are 5xx and 429 answers and attempts that failed over.
    public var recent: Traffic
    /// The same by credential id (attempts without a credential are not listed).
    public var recentByCredential: [Int64: Traffic]

    public init(info: ProviderInfo, recent: Traffic = Traffic(), recentByCredential: [Int64: Traffic] = [:]) {
        self.info = info
        self.recent = recent
        self.recentByCredential = recentByCredential
    }
}

extension Admin {
    /// `users.summaries`: users by name with this month's spend, filtered by a substring of name or
    /// email; or, with `lowBalance`, the users under the low-balance threshold (none when the hub has no
    /// threshold, see ``HubSettings/isLow(_:)``; `filter` is not applied then).
    public struct UsersSummaries: AdminMethod {
        public static let name = "users.summaries"
        public static let mutates = false
        public var filter: String?
        public var limit: Int?
        public var lowBalance: Bool?
        public init(filter: String? = nil, limit: Int? = nil, lowBalance: Bool? = nil) {
            self.filter = filter; self.limit = limit; self.lowBalance = lowBalance
        }

        public func run(_ context: AdminContext) async throws -> [UserSummary] {
            let users: [User]
            if lowBalance == true {
                let limit = try Validate.limit(limit, default: 1_000, max: 100_000)
                users = try await context.read { db in
                    guard let settings = try HubSettings.fetchOne(db), settings.hasLowBalanceThreshold else { return [] }
                    return try User.fetchAll(db, sql: "SELECT * FROM users WHERE balance < ? ORDER BY \(db.binaryOrder("lower(name)")) LIMIT ?",
                                             arguments: [settings.lowBalanceThreshold.nanos, limit])
                }
            } else {
                users = try await UsersList(filter: filter, limit: limit).run(context)
            }
            let spend = try await context.read { db in try UsageRollup.spendThisMonth(db) }
            return users.map { UserSummary(user: $0, spendThisMonth: spend[$0.id ?? 0] ?? .zero) }
        }
    }

    /// `providers.health`: providers with credential counts and their recent traffic by credential.
    public struct ProvidersHealth: AdminMethod {
        public static let name = "providers.health"
        public static let mutates = false
        public init() {}

        public func run(_ context: AdminContext) async throws -> [ProviderHealth] {
            let providers = try await ProvidersList().run(context)
            let health = try await context.read { db in try UsageRollup.health(db, since: UsageRollup.recentHealthStart()) }
            var byProvider: [Int64: ProviderHealth] = [:]
            for info in providers { byProvider[info.provider.id ?? 0] = ProviderHealth(info: info) }
            for row in health where byProvider[row.provider] != nil {
                byProvider[row.provider]!.recent = byProvider[row.provider]!.recent + row.traffic
                if row.credential != 0 { byProvider[row.provider]!.recentByCredential[row.credential] = row.traffic }
            }
            return providers.compactMap { byProvider[$0.provider.id ?? 0] }
        }
    }

    /// `rates.unpriced`: `provider/model` of models called in the last 30 days with no current rate.
    public struct RatesUnpriced: AdminMethod {
        public static let name = "rates.unpriced"
        public static let mutates = false
        public init() {}

        public func run(_ context: AdminContext) async throws -> [String] {
            try await context.read { db in
                try UsageRollup.unpricedModels(db, since: Date().addingTimeInterval(-30 * 86_400))
            }
        }
    }
}
