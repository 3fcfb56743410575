import Foundation
import GRDB

/// Pruning raw usage events older than the retention setting, and handing the freed pages back to
/// the file system: the steps a running hub takes a little at a time (``HubGateway``'s pruner), each
/// its own short transaction so that the usage writer never waits for more than one step.
///
/// Rollups (`usage_daily`, `usage_hourly`, `usage_health_hourly`) are kept by insert triggers only:
/// deleting events leaves every sum as it was.
public enum UsageRetention {
    /// The `retention` row.
    public struct Setting: Sendable, Equatable {
        public var days: Int?
        public var prunedTotal: Int64
        public var lastRunAt: Date?
    }

    public static let maximumDays = 36_500

    static func setting(_ db: StoreDB) throws -> Setting {
        guard let row = try Row.fetchOne(db, sql: "SELECT days, pruned_total, last_run_at FROM retention WHERE id = 1") else {
            return Setting(days: nil, prunedTotal: 0, lastRunAt: nil)
        }
        return Setting(days: row["days"], prunedTotal: row["pruned_total"], lastRunAt: row["last_run_at"])
    }

    /// Events created before this are pruned (nil: retention is off): `days` ago, but never within the
    /// current calendar month or week of the governance time zone, whose events budgets still count.
    public static func cutoff(_ store: HubStore, now: Date = Date()) async throws(HubError) -> Date? {
        let (days, zone) = try await store.read { db -> (Int?, TimeZone) in
            (try Self.setting(db).days, try GovernanceTimeZone.current(db).zone)
        }
        return days.map { cutoff(days: $0, now: now, zone: zone) }
    }

    static func cutoff(days: Int, now: Date, zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .iso8601)   // weeks start on Monday
        calendar.timeZone = zone
        let periods = [Calendar.Component.month, .weekOfYear].compactMap { calendar.dateInterval(of: $0, for: now)?.start }
        return ([now.addingTimeInterval(-Double(days) * 86_400)] + periods).min()!
    }

    /// Deletes at most `limit` of the oldest events created before `cutoff`, in one transaction that
    /// also counts them in `retention.pruned_total`. Returns how many went (0: nothing older is left) and
    /// how long the deletion held the write lock (not counting the wait for it).
    public static func pruneBatch(_ store: HubStore, before cutoff: Date, limit: Int,
                                  now: Date = Date()) async throws(HubError) -> (pruned: Int, held: Duration) {
        try await store.write { db in
            let started = ContinuousClock.now
            try db.execute(sql: """
                DELETE FROM usage_events WHERE id IN
                  (SELECT id FROM usage_events WHERE created_at < ? ORDER BY created_at LIMIT ?)
                """, arguments: [cutoff, limit])
            let pruned = db.changesCount
            try db.execute(sql: "UPDATE retention SET pruned_total = pruned_total + ?, last_run_at = ? WHERE id = 1",
                           arguments: [pruned, now])
            return (pruned, ContinuousClock.now - started)
        }
    }

    /// True when the database hands freed pages back a few at a time (`PRAGMA auto_vacuum = INCREMENTAL`).
    /// False on PostgreSQL, which has no such setting (its autovacuum reuses the space).
    package static func isIncremental(_ db: StoreDB) throws -> Bool {
        guard let sqlite = db.sqliteDatabase else { return false }
        return try isIncremental(sqlite)
    }

    private static func isIncremental(_ db: Database) throws -> Bool {
        try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2
    }

    /// Returns up to `pages` free pages to the file system (incremental vacuum), outside any
    /// transaction: the free pages left, and how long the step held the write lock. Moving a page in
    /// use from the end of the file into a free one costs far more than dropping a free one: the pruner
    /// sizes its steps by that time. A database without incremental vacuum keeps its free pages for new
    /// rows (the file stops growing, but does not shrink): returns 0 free pages.
    /// On PostgreSQL (autovacuum) it does nothing and returns 0 free pages.
    public static func vacuumStep(_ store: HubStore, pages: Int) async throws(HubError) -> (free: Int, held: Duration) {
        guard store.kind == .sqlite else { return (0, .zero) }   // PostgreSQL's autovacuum does this
        do {
            return try await store.sqlite().writeWithoutTransaction { db in
                guard try isIncremental(db) else { return (0, .zero) }
                let started = ContinuousClock.now
                // The WAL is truncated back to this size when it restarts, so it does not keep the size
                // of the largest prune.
                try db.execute(sql: "PRAGMA journal_size_limit = \(64 << 20)")
                try db.execute(sql: "PRAGMA incremental_vacuum(\(pages))")
                return (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0, ContinuousClock.now - started)
            }
        } catch {
            throw HubError(from: error)
        }
    }

    /// A full `VACUUM` that also switches the database to incremental vacuum: the one way an existing
    /// database (made before auto_vacuum was set) can switch. It rewrites the whole file and holds the
    /// write lock meanwhile (about as long as copying the file). Returns the file's size before and after.
    /// SQLite only: on PostgreSQL it throws `failedPrecondition`.
    static func fullVacuum(_ store: HubStore) throws(HubError) -> (before: Int64, after: Int64) {
        let path = store.directory.databaseURL.path
        do {
            return try store.sqlite().writeWithoutTransaction { db in
                let before = fileSize(path) + fileSize(path + "-wal")
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                try db.execute(sql: "VACUUM")
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                return (before, fileSize(path) + fileSize(path + "-wal"))
            }
        } catch {
            throw HubError(from: error)
        }
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
