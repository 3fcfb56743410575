import Foundation
import GRDB

/// Calendar periods of budgets: days, weeks starting on Monday, and months, in one IANA time zone
/// (`settings.governance_time_zone`). The admin API and the gateway compute periods here only.
public struct BudgetCalendar: Sendable {
    public let timeZone: TimeZone
    private let calendar: Calendar

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.firstWeekday = 2   // Monday
        calendar.minimumDaysInFirstWeek = 4
        self.calendar = calendar
    }

    /// The calendar of a time zone name; an unknown name is refused.
    public init(identifier: String) throws(HubError) {
        guard let zone = TimeZone(identifier: identifier) else {
            throw HubError.invalid("unknown time zone '\(identifier)': use an IANA name such as UTC or Europe/Berlin")
        }
        self.init(timeZone: zone)
    }

    /// The calendar of the settings' time zone (UTC if it is somehow unknown).
    public init(settings: HubSettings) {
        self.init(timeZone: TimeZone(identifier: settings.governanceTimeZone) ?? TimeZone(identifier: "UTC")!)
    }

    /// The period of `period` holding `date`: its start (inclusive) and end (exclusive).
    public func interval(_ period: BudgetPeriod, containing date: Date) -> (start: Date, end: Date) {
        let component: Calendar.Component = switch period {
        case .day: .day
        case .week: .weekOfYear
        case .month: .month
        }
        let interval = calendar.dateInterval(of: component, for: date)!
        return (interval.start, interval.end)
    }
}

/// How much a subject spent in a period, from the usage events: credits charged in
/// service-provider mode, provider cost (estimated USD) in enterprise mode.
public enum GovernanceSpend {
    /// The usage-event column that counts toward budgets in `mode`.
    public static func column(_ mode: DeploymentMode) -> String {
        mode == .serviceProvider ? "credits_charged" : "provider_cost"
    }

    static func subjectColumn(_ kind: SubjectKind) -> String {
        switch kind {
        case .key: "api_key_id"
        case .user: "user_id"
        case .team: "team_id"
        }
    }

    /// Spend of one subject from `start` (inclusive) to `end` (exclusive).
    package static func spent(_ db: StoreDB, kind: SubjectKind, id: Int64, from start: Date, to end: Date,
                             mode: DeploymentMode) throws -> Amount {
        try Amount.fetchOne(db, sql: """
            SELECT COALESCE(SUM(\(column(mode))), 0) FROM usage_events
            WHERE \(subjectColumn(kind)) = ? AND created_at >= ? AND created_at < ?
            """, arguments: [id, start, end]) ?? .zero
    }

    /// Requests and tokens (in + out) of one subject since `start`.
    package static func traffic(_ db: StoreDB, kind: SubjectKind, id: Int64, since start: Date) throws -> (requests: Int, tokens: Int) {
        let row = try Row.fetchOne(db, sql: """
            SELECT COUNT(*) AS requests, COALESCE(SUM(tokens_in + tokens_out), 0) AS tokens FROM usage_events
            WHERE \(subjectColumn(kind)) = ? AND created_at >= ?
            """, arguments: [id, start])
        return (row?["requests"] ?? 0, row?["tokens"] ?? 0)
    }
}
