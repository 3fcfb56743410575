import Foundation
import GRDB

/// The time zone whose calendar months and days reports (and budgets) count in: the setting
/// `governance_time_zone` (an IANA name such as `Europe/Berlin`), UTC when it is not set.
///
/// Read defensively: the column belongs to the budgets migration, which an older database may lack.
enum GovernanceTimeZone {
    static let utc = TimeZone(identifier: "UTC")!

    /// The zone and its IANA name (Foundation calls UTC "GMT": reports say "UTC", as the setting does).
    static func current(_ db: StoreDB) throws -> (zone: TimeZone, name: String) {
        guard try hasTimeZoneColumn(db),
              let name = try String.fetchOne(db, sql: "SELECT governance_time_zone FROM settings WHERE id = 1"),
              !name.isEmpty
        else { return (utc, "UTC") }
        guard let zone = TimeZone(identifier: name) else {
            throw HubError(.failedPrecondition, "the setting governance_time_zone names no time zone: '\(name)'")
        }
        return (zone, name)
    }

    /// Whether `settings` has the `governance_time_zone` column (an older database may lack it).
    private static func hasTimeZoneColumn(_ db: StoreDB) throws -> Bool {
        if let sqlite = db.sqliteDatabase {
            return try sqlite.columns(in: "settings").contains(where: { $0.name == "governance_time_zone" })
        }
        return try (Int.fetchOne(db, sql: """
            SELECT count(*) FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = 'settings' AND column_name = 'governance_time_zone'
            """) ?? 0) > 0
    }

    /// A calendar month (`YYYY-MM`) in `zone`, as the UTC hour keys of `usage_hourly` (``UsageRollup/hour(_:)``)
    /// that it spans: [start, end). In a zone whose offset is not a whole hour (Asia/Kolkata, +5:30), the
    /// month starts with the UTC hour that holds its first instant.
    static func monthHours(_ month: String, in zone: TimeZone) throws(HubError) -> (start: String, end: String) {
        let parts = month.split(separator: "-", omittingEmptySubsequences: false)
        guard month.count == 7, parts.count == 2, let year = Int(parts[0]), let number = Int(parts[1]),
              (1970...9999).contains(year), (1...12).contains(number) else {
            throw HubError.invalid("'\(month)' is not a month: use YYYY-MM, e.g. 2026-11")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let start = calendar.date(from: DateComponents(year: year, month: number, day: 1)),
              let end = calendar.date(byAdding: .month, value: 1, to: start) else {
            throw HubError.invalid("'\(month)' is not a month in \(zone.identifier)")
        }
        return (UsageRollup.hour(start), UsageRollup.hour(end))
    }
}
