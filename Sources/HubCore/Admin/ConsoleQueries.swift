import Foundation
import GRDB

// Read queries the console's panes need that the CLI verbs do not have. All of them read the
// `usage_daily` rollup and small tables only, so they cost the same on 10 or 10 million events.

/// A user with this month's spend, for the Users pane list.
public struct UserSummary: Codable, Sendable, Equatable {
    public var user: User
    /// Credits charged since the first of this month (UTC), from the rollup.
    public var spendThisMonth: Amount

    public init(user: User, spendThisMonth: Amount) {
        self.user = user
        self.spendThisMonth = spendThisMonth
    }
}

/// A provider with its credential counts and traffic since yesterday (UTC), for the Providers pane.
public struct ProviderHealth: Codable, Sendable, Equatable {
    public var info: ProviderInfo
    public var recentRequests: Int
    public var recentErrors: Int
    /// Mean latency of the recent requests; nil when there were none.
    public var averageLatencyMs: Double?

    /// Failed ÷ all recent requests, 0...1; nil when there were none.
    public var errorRate: Double? { recentRequests > 0 ? Double(recentErrors) / Double(recentRequests) : nil }
}

extension Admin {
    /// `console.users`: users by name with this month's spend.
    public struct ConsoleUsers: AdminMethod {
        public static let name = "console.users"
        public static let mutates = false
        public var filter: String?
        public var limit: Int?
        public init(filter: String? = nil, limit: Int? = nil) { self.filter = filter; self.limit = limit }

        public func run(_ context: AdminContext) throws -> [UserSummary] {
            let users = try UsersList(filter: filter, limit: limit).run(context)
            let spend = try context.read { db in try UsageRollup.spendThisMonth(db) }
            return users.map { UserSummary(user: $0, spendThisMonth: spend[$0.id ?? 0] ?? .zero) }
        }
    }

    /// `console.providers`: providers with credential counts and yesterday's and today's traffic.
    public struct ConsoleProviders: AdminMethod {
        public static let name = "console.providers"
        public static let mutates = false
        public init() {}

        public func run(_ context: AdminContext) throws -> [ProviderHealth] {
            let providers = try ProvidersList().run(context)
            let since = UsageRollup.day(Date().addingTimeInterval(-86_400))
            let traffic = try context.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT provider_id, SUM(requests) AS requests, SUM(errors) AS errors,
                           SUM(latency_ms_sum) AS latency FROM usage_daily WHERE day >= ? GROUP BY provider_id
                    """, arguments: [since])
            }
            var byProvider: [Int64: Row] = [:]
            for row in traffic { byProvider[row["provider_id"]] = row }
            return providers.map { info in
                let row = byProvider[info.provider.id ?? 0]
                let requests: Int = row?["requests"] ?? 0
                let latency: Double = row?["latency"] ?? 0
                return ProviderHealth(info: info, recentRequests: requests, recentErrors: row?["errors"] ?? 0,
                                      averageLatencyMs: requests > 0 ? latency / Double(requests) : nil)
            }
        }
    }

    /// `console.unpriced`: `provider/model` of models called in the last 30 days with no current rate.
    public struct ConsoleUnpriced: AdminMethod {
        public static let name = "console.unpriced"
        public static let mutates = false
        public init() {}

        public func run(_ context: AdminContext) throws -> [String] {
            try context.read { db in
                try UsageRollup.unpricedModels(db, since: Date().addingTimeInterval(-30 * 86_400))
            }
        }
    }
}
