import Foundation
import GRDB

/// How a chargeback report is grouped.
public enum ChargebackGrouping: String, Codable, Sendable, CaseIterable {
    case team, user, model
}

/// One row of a chargeback report: what one team, user or model used in the month, and what it cost.
public struct ChargebackRow: Codable, Sendable, Equatable {
    /// The team or user name, or `provider/model`; `""` for calls of no team (or no user, or no
    /// provider); `#ID` for a team or user removed since. The total row's key is `""` too.
    public var key: String
    /// What to show for the key: the key itself, or `(no team)`, `(no user)`, `(total)`.
    public var label: String
    /// Calls recorded (refused and failed ones included: they cost nothing).
    public var calls: Int
    public var tokensIn: Int64
    public var tokensOut: Int64
    /// What the providers are estimated to have cost (USD nano-units, from the rates at the time).
    public var providerCost: Amount
    /// Credits charged to balances (zero in enterprise mode, where nothing is charged).
    public var creditsCharged: Amount

    public init(key: String, label: String, calls: Int = 0, tokensIn: Int64 = 0, tokensOut: Int64 = 0,
                providerCost: Amount = .zero, creditsCharged: Amount = .zero) {
        self.key = key; self.label = label; self.calls = calls; self.tokensIn = tokensIn; self.tokensOut = tokensOut
        self.providerCost = providerCost; self.creditsCharged = creditsCharged
    }
}

/// A month's usage by team, user or model, with the total: read from the hourly rollup, so it gives
/// the same answer before and after raw events are pruned.
public struct ChargebackReport: Codable, Sendable, Equatable {
    /// `YYYY-MM`, a calendar month in ``timeZone``.
    public var month: String
    public var by: ChargebackGrouping
    /// The IANA name of the governance time zone the month was cut in.
    public var timeZone: String
    /// Largest charge first.
    public var rows: [ChargebackRow]
    public var total: ChargebackRow
}

/// A page of raw usage events in a time range, oldest first; `next` is the `after` of the next page
/// (nil: this was the last).
public struct UsageExportPage: Codable, Sendable, Equatable {
    public var events: [UsageEvent]
    public var next: Int64?
}

extension Admin {
    /// `report.chargeback`: a calendar month's calls, tokens, provider cost and credits charged by team,
    /// user or model, exact to the nano-unit.
    public struct ReportChargeback: AdminMethod {
        public static let name = "report.chargeback"
        public static let mutates = false
        /// `YYYY-MM`.
        public var month: String
        /// Default team.
        public var by: ChargebackGrouping?

        public init(month: String, by: ChargebackGrouping? = nil) { self.month = month; self.by = by }

        public func run(_ context: AdminContext) async throws -> ChargebackReport {
            let grouping = by ?? .team
            return try await context.read { db in
                let zone = try GovernanceTimeZone.current(db)
                let hours = try GovernanceTimeZone.monthHours(month.trimmingSpaces, in: zone.zone)
                let rows = try Row.fetchAll(db, sql: Self.sql(grouping, db), arguments: [hours.start, hours.end])
                    .map { row in Self.row(row, grouping) }
                var total = ChargebackRow(key: "", label: "(total)")
                for row in rows {
                    total.calls += row.calls
                    total.tokensIn += row.tokensIn
                    total.tokensOut += row.tokensOut
                    total.providerCost = try total.providerCost.adding(row.providerCost)
                    total.creditsCharged = try total.creditsCharged.adding(row.creditsCharged)
                }
                return ChargebackReport(month: month.trimmingSpaces, by: grouping, timeZone: zone.name,
                                        rows: rows, total: total)
            }
        }

        private static func sql(_ grouping: ChargebackGrouping, _ db: StoreDB) -> String {
            let (key, join, group) = switch grouping {
            case .team: ("CASE WHEN h.team_id = 0 THEN '' ELSE COALESCE(t.name, '#' || h.team_id) END",
                         "LEFT JOIN teams t ON t.id = h.team_id", "h.team_id, t.name")
            case .user: ("CASE WHEN h.user_id = 0 THEN '' ELSE COALESCE(u.name, '#' || h.user_id) END",
                         "LEFT JOIN users u ON u.id = h.user_id", "h.user_id, u.name")
            case .model: ("CASE WHEN h.provider_id = 0 THEN h.model ELSE COALESCE(p.name, '#' || h.provider_id) || '/' || h.model END",
                          "LEFT JOIN providers p ON p.id = h.provider_id", "h.provider_id, h.model, p.name")
            }
            // The joined name is grouped too: one per id, and PostgreSQL refuses a selected column
            // that is neither grouped nor aggregated. Ties order by the key's code points on both
            // backends (PostgreSQL cannot apply a collation to an output column's alias: the key is repeated).
            return """
                SELECT \(key) AS grp, SUM(h.requests) AS calls, SUM(h.tokens_in) AS tokens_in,
                       SUM(h.tokens_out) AS tokens_out, SUM(h.provider_cost) AS provider_cost,
                       SUM(h.credits_charged) AS credits_charged
                FROM usage_hourly h \(join)
                WHERE h.hour >= ? AND h.hour < ?
                GROUP BY \(group)
                ORDER BY credits_charged DESC, provider_cost DESC, \(db.binaryOrder("(\(key))"))
                """
        }

        private static func row(_ row: Row, _ grouping: ChargebackGrouping) -> ChargebackRow {
            let key: String = row["grp"]
            let none = switch grouping {
            case .team: "(no team)"
            case .user: "(no user)"
            case .model: "(no model)"
            }
            return ChargebackRow(key: key, label: key.isEmpty ? none : key, calls: row["calls"],
                                 tokensIn: row["tokens_in"], tokensOut: row["tokens_out"],
                                 providerCost: row["provider_cost"], creditsCharged: row["credits_charged"])
        }
    }

    /// `usage.export_page`: raw usage events created in [since, until), oldest first, a page at a time
    /// (the CLI streams pages, so an export of any size runs in constant memory over the socket or
    /// the database). Events the retention setting pruned are gone: the rollups keep their sums.
    public struct UsageExport: AdminMethod {
        public static let name = "usage.export_page"
        public static let mutates = false
        public static let defaultLimit = 1_000
        public var since: Date
        public var until: Date
        /// The `next` of the page before (nil: the first page).
        public var after: Int64?
        /// Events per page, 1-10000 (default 1000).
        public var limit: Int?

        public init(since: Date, until: Date, after: Int64? = nil, limit: Int? = nil) {
            self.since = since; self.until = until; self.after = after; self.limit = limit
        }

        public func run(_ context: AdminContext) async throws -> HubCore.UsageExportPage {
            let limit = try Validate.limit(limit, default: Self.defaultLimit)
            guard since < until else { throw HubError.invalid("the range is empty: since must be before until") }
            return try await context.read { db in
                // Pages follow the time index: (created_at, id) after the last event of the page before.
                // On SQLite times compare as the stored text, on PostgreSQL as timestamps: either way a page
                // starts exactly where the last one ended.
                let pruned = { (after: Int64) in
                    HubError(.failedPrecondition,
                             "usage event \(after) (where this export stood) was pruned meanwhile: export again from a later --since")
                }
                let lastTime = "SELECT created_at FROM usage_events WHERE id = ?"
                let from: DatabaseValue
                var afterId: Int64 = 0
                if db.kind == .sqlite {
                    var text = String.fromDatabaseValue(since.databaseValue) ?? ""
                    if let after {
                        guard let time = try String.fetchOne(db, sql: lastTime, arguments: [after]) else { throw pruned(after) }
                        text = max(text, time)
                        afterId = after
                    }
                    from = text.databaseValue
                } else {
                    var date = since
                    if let after {
                        guard let time = try Date.fetchOne(db, sql: lastTime, arguments: [after]) else { throw pruned(after) }
                        date = max(date, time)
                        afterId = after
                    }
                    from = date.databaseValue
                }
                let events = try UsageEvent.fetchAll(db, sql: """
                    SELECT * FROM usage_events\(db.kind == .sqlite ? " INDEXED BY usage_events_time" : "")
                    WHERE created_at >= ? AND created_at < ? AND NOT (created_at = ? AND id <= ?)
                    ORDER BY created_at, id LIMIT ?
                    """, arguments: [from, until, from, afterId, limit + 1])
                let page = Array(events.prefix(limit))
                return HubCore.UsageExportPage(events: page, next: events.count > limit ? page.last?.id : nil)
            }
        }
    }
}
