import Foundation
import GRDB

/// How usage is grouped in a summary.
public enum UsageGrouping: String, Codable, Sendable, CaseIterable {
    case user, model, provider
}

/// Usage totals of one group over a time range.
public struct UsageSummaryRow: Codable, Sendable, Equatable, FetchableRecord {
    /// The user name, `provider/model`, or provider name; `-` when unknown (e.g. a refused key).
    public var group: String
    public var requests: Int
    public var errors: Int
    public var tokensIn: Int64
    public var tokensOut: Int64
    public var creditsCharged: Amount
    public var providerCost: Amount
    public var averageLatencyMs: Double

    public init(row: Row) throws {
        group = row["grp"] ?? "-"
        requests = row["requests"]
        errors = row["errors"]
        tokensIn = row["tokens_in"]
        tokensOut = row["tokens_out"]
        creditsCharged = row["credits_charged"]
        providerCost = row["provider_cost"]
        averageLatencyMs = row["avg_latency"] ?? 0
    }
}

extension Admin {
    /// `usage.summary`: totals by user, model or provider over [since, until).
    public struct UsageSummary: AdminMethod {
        public static let name = "usage.summary"
        public static let mutates = false
        public var by: UsageGrouping?
        public var since: Date?
        public var until: Date?

        public init(by: UsageGrouping? = nil, since: Date? = nil, until: Date? = nil) {
            self.by = by; self.since = since; self.until = until
        }

        public func run(_ context: AdminContext) async throws -> [UsageSummaryRow] {
            let since = since ?? Date().addingTimeInterval(-86_400)
            let until = until ?? Date().addingTimeInterval(1)
            guard since < until else { throw HubError.invalid("the range is empty: since must be before until") }
            let grouping = by ?? .user
            return try await context.read { db in
                if Self.isWholeDay(since), Self.isWholeDay(until) {
                    return try UsageSummaryRow.fetchAll(db, sql: Self.sql(grouping, table: .rollup, db),
                                                        arguments: [UsageRollup.day(since), UsageRollup.day(until)])
                }
                return try UsageSummaryRow.fetchAll(db, sql: Self.sql(grouping, table: .events, db), arguments: [since, until])
            }
        }

        private enum Source { case events, rollup }

        /// Whole-day ranges read the `usage_daily` rollup (cheap at any volume); others scan events by time.
        private static func sql(_ grouping: UsageGrouping, table: Source, _ db: StoreDB) -> String {
            let group = switch grouping {
            case .user: "u.name"
            case .model: "p.name || '/' || e.model"
            case .provider: "p.name"
            }
            let (from, range, requests, errors, latency) = switch table {
            case .events:
                ("usage_events e", "e.created_at >= ? AND e.created_at < ?", "COUNT(*)",
                 "SUM(CASE WHEN e.status >= 400 THEN 1 ELSE 0 END)", "AVG(e.latency_ms)")
            case .rollup:
                ("usage_daily e", "e.day >= ? AND e.day < ?", "SUM(e.requests)", "SUM(e.errors)",
                 "SUM(e.latency_ms_sum) / SUM(e.requests)")
            }
            // Ties in the key's order, a missing one (NULL) first, as SQLite sorts: PostgreSQL's
            // hash aggregate gives them in no order at all.
            return """
                SELECT \(group) AS grp, \(requests) AS requests, \(errors) AS errors,
                       SUM(e.tokens_in) AS tokens_in, SUM(e.tokens_out) AS tokens_out,
                       SUM(e.credits_charged) AS credits_charged, SUM(e.provider_cost) AS provider_cost,
                       \(latency) AS avg_latency
                FROM \(from)
                LEFT JOIN users u ON u.id = e.user_id
                LEFT JOIN providers p ON p.id = e.provider_id
                WHERE \(range)
                GROUP BY grp
                ORDER BY credits_charged DESC, requests DESC, (\(group)) IS NULL DESC, \(db.binaryOrder("(\(group))"))
                """
        }

        private static func isWholeDay(_ date: Date) -> Bool {
            Calendar.utc.startOfDay(for: date) == date
        }
    }

    /// `usage.recent`: the newest usage events, of one user or all.
    public struct UsageRecent: AdminMethod {
        public static let name = "usage.recent"
        public static let mutates = false
        public var user: String?
        public var limit: Int?
        /// Only events with an id above this one (for polling).
        public var afterId: Int64?

        public init(user: String? = nil, limit: Int? = nil, afterId: Int64? = nil) {
            self.user = user; self.limit = limit; self.afterId = afterId
        }

        public func run(_ context: AdminContext) async throws -> [UsageEvent] {
            let limit = try Validate.limit(limit, default: 50)
            return try await context.read { db in
                var conditions: [String] = []
                var arguments: StoreArguments = []
                if let user {
                    conditions.append("user_id = ?")
                    arguments += [try Lookup.user(db, user).id]
                }
                if let afterId {
                    conditions.append("id > ?")
                    arguments += [afterId]
                }
                arguments += [limit]
                return try UsageEvent.fetchAll(db, sql: """
                    SELECT * FROM usage_events\(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
                    ORDER BY id DESC LIMIT ?
                    """, arguments: arguments)
            }
        }
    }

    /// `audit.list`: admin changes, newest first.
    public struct AuditList: AdminMethod {
        public static let name = "audit.list"
        public static let mutates = false
        public var limit: Int?
        public var action: String?
        public var target: String?

        public init(limit: Int? = nil, action: String? = nil, target: String? = nil) {
            self.limit = limit; self.action = action; self.target = target
        }

        public func run(_ context: AdminContext) async throws -> [AuditEntry] {
            let limit = try Validate.limit(limit, default: 50)
            return try await context.read { db in
                var conditions: [String] = []
                var arguments: StoreArguments = []
                if let action {
                    conditions.append("lower(action) LIKE lower(?) ESCAPE '\\'")
                    arguments += [Pattern.startingWith(action)]
                }
                if let target {
                    conditions.append("lower(target) LIKE lower(?) ESCAPE '\\'")
                    arguments += [Pattern.containing(target)]
                }
                arguments += [limit]
                return try AuditEntry.fetchAll(db, sql: """
                    SELECT * FROM audit_log\(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
                    ORDER BY id DESC LIMIT ?
                    """, arguments: arguments)
            }
        }
    }
}
