import Foundation
import GRDB

/// How long raw usage events are kept, and how far pruning has got.
public struct RetentionStatus: Codable, Sendable, Equatable {
    /// Days raw usage events are kept (nil: forever). Rollups are kept forever either way.
    public var days: Int?
    /// The oldest raw event still kept.
    public var oldestEvent: Date?
    /// Raw events kept.
    public var events: Int
    /// Events the hub has pruned in all.
    public var prunedTotal: Int64
    /// When the hub last pruned.
    public var lastRunAt: Date?
    /// True when freed pages go back to the file system (else they are reused, and the file stops
    /// growing without shrinking: `retention.vacuum` switches it once). SQLite only: always false on
    /// PostgreSQL, whose autovacuum looks after its tables itself.
    public var incrementalVacuum: Bool
}

/// What `retention.vacuum` did: the database file's size (with its WAL) before and after.
public struct VacuumResult: Codable, Sendable, Equatable {
    public var bytesBefore: Int64
    public var bytesAfter: Int64
    public var incrementalVacuum: Bool
}

extension Admin {
    /// `retention.get`: the retention setting and the state of the raw usage events.
    public struct RetentionGet: AdminMethod {
        public static let name = "retention.get"
        public static let mutates = false
        public init() {}
        public func run(_ context: AdminContext) async throws -> RetentionStatus {
            try await context.read(Self.status)
        }

        static func status(_ db: StoreDB) throws -> RetentionStatus {
            let setting = try UsageRetention.setting(db)
            return RetentionStatus(
                days: setting.days,
                oldestEvent: try Date.fetchOne(db, sql: "SELECT MIN(created_at) FROM usage_events"),
                events: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_events") ?? 0,
                prunedTotal: setting.prunedTotal, lastRunAt: setting.lastRunAt,
                incrementalVacuum: db.kind == .sqlite ? try UsageRetention.isIncremental(db) : false)
        }
    }

    /// `retention.set`: keep raw usage events this many days (1-36500; null: forever). A running hub
    /// prunes older ones in small batches within a minute; rollups and reports keep their totals.
    public struct RetentionSet: AdminMethod {
        public static let name = "retention.set"
        public var days: Int?
        public init(days: Int?) { self.days = days }

        public func run(_ context: AdminContext) async throws -> RetentionStatus {
            if let days, !(1...UsageRetention.maximumDays).contains(days) {
                throw HubError.invalid("retention must be between 1 and \(UsageRetention.maximumDays) days, got \(days)")
            }
            return try await context.write { db in
                let before = try UsageRetention.setting(db).days
                try db.execute(sql: "UPDATE retention SET days = ?, updated_at = ? WHERE id = 1", arguments: [days, Date()])
                try context.audit(db, Self.name, target: "retention", before: ["days": before], after: ["days": days])
                return try RetentionGet.status(db)
            }
        }
    }

    /// `retention.vacuum`: rewrites the database file once (`VACUUM`), which gives back every free page
    /// and switches a database made before incremental vacuum to it. Holds the write lock while it runs:
    /// traffic waits, so run it at a quiet time. SQLite only: on PostgreSQL it fails with
    /// `failedPrecondition` (autovacuum does this work there).
    public struct RetentionVacuum: AdminMethod {
        public static let name = "retention.vacuum"
        public init() {}

        public func run(_ context: AdminContext) async throws -> VacuumResult {
            guard context.store.kind == .sqlite else {
                throw HubError(.failedPrecondition, "retention vacuum is for SQLite only: "
                               + "PostgreSQL vacuums its tables itself (autovacuum), so there is nothing to do")
            }
            let sizes = try UsageRetention.fullVacuum(context.store)
            let result = VacuumResult(bytesBefore: sizes.before, bytesAfter: sizes.after, incrementalVacuum: true)
            try await context.write { db in try context.audit(db, Self.name, target: "database", before: nil, after: result) }
            return result
        }
    }
}
