import Foundation
import GRDB

/// What the hub tells the operator about.
public enum NoticeKind: String, Codable, Sendable, CaseIterable {
    case lowBalance = "low_balance"
    case paymentApplied = "payment_applied"
    case paymentPending = "payment_pending"
    case subscriptionRenewed = "subscription_renewed"
    case subscriptionPastDue = "subscription_past_due"
    /// A budget's spend reached its soft threshold (once per budget per period).
    case budgetSoftLimit = "budget_soft_limit"
}

/// The body of a notice: `{"id","type","created_at","data":{…}}` (docs/billing.md).
public struct Notice: Codable, Sendable, Equatable {
    public var id: String
    public var type: NoticeKind
    public var createdAt: Date
    public var data: [String: String]
}

/// A URL the operator's notices go to, with the secret they are signed with.
struct StoredNoticeEndpoint: HubRecord, Equatable {
    static let databaseTableName = "notice_endpoints"
    var id: Int64?
    var url: String
    var sealedSecret: Data
    var secretHint: String
    var enabled: Bool
    var createdAt: Date

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct NoticeEndpointInfo: Codable, Sendable, Equatable {
    public var id: Int64
    public var url: String
    public var secretMasked: String
    public var enabled: Bool
    public var createdAt: Date

    init(_ stored: StoredNoticeEndpoint) {
        id = stored.id ?? 0; url = stored.url; secretMasked = stored.secretHint; enabled = stored.enabled
        createdAt = stored.createdAt
    }
}

/// One notice for one endpoint, and how its delivery goes.
public struct OutboxEntry: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "outbox"
    public var id: Int64?
    public var noticeId: String
    public var endpointId: Int64
    public var kind: String
    public var payload: String
    public var createdAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    public var deliveredAt: Date?
    public var lastStatus: Int?
    public var lastError: String?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Notices are written here in the transaction that makes them true, one row per endpoint, so
/// nothing is lost across a crash or restart; the running hub delivers them (``due(_:now:lease:)``,
/// ``delivered(_:status:_:now:)``, ``failed(_:status:error:_:now:)``), retrying with backoff.
public enum Outbox {
    /// Queues a notice for every enabled endpoint (none configured: nothing is queued).
    static func enqueue(_ db: StoreDB, _ kind: NoticeKind, _ data: [String: String], at time: Date = Date()) throws {
        let endpoints = try Int64.fetchAll(db, sql: "SELECT id FROM notice_endpoints WHERE enabled")
        guard !endpoints.isEmpty else { return }
        let notice = Notice(id: "ntc_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""),
                            type: kind, createdAt: time, data: data)
        let payload = HubJSON.text(notice)
        for endpoint in endpoints {
            var entry = OutboxEntry(id: nil, noticeId: notice.id, endpointId: endpoint, kind: kind.rawValue, payload: payload,
                                    createdAt: time, attempts: 0, nextAttemptAt: time, deliveredAt: nil, lastStatus: nil, lastError: nil)
            try entry.insert(db)
        }
    }

    /// A delivery to make: the entry, where to, and the secret to sign with (sealed).
    public struct Delivery: Sendable {
        public var entry: OutboxEntry
        public var url: String
        public var sealedSecret: Data
    }

    /// Claims up to `limit` entries due at `now` for `lease` (another hub process skips them meanwhile).
    package static func due(_ db: StoreDB, now: Date = Date(), lease: TimeInterval = 60, limit: Int = 20) throws -> [Delivery] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT o.*, e.url AS endpoint_url, e.sealed_secret AS endpoint_secret FROM outbox o
            JOIN notice_endpoints e ON e.id = o.endpoint_id
            WHERE o.delivered_at IS NULL AND o.next_attempt_at <= ? AND e.enabled ORDER BY o.id LIMIT ?
            """, arguments: [now, limit])
        return try rows.map { row in
            var entry = try OutboxEntry(row: row)
            entry.nextAttemptAt = now.addingTimeInterval(lease)
            try db.execute(sql: "UPDATE outbox SET next_attempt_at = ? WHERE id = ?", arguments: [entry.nextAttemptAt, entry.id])
            return Delivery(entry: entry, url: row["endpoint_url"], sealedSecret: row["endpoint_secret"])
        }
    }

    package static func delivered(_ id: Int64, status: Int, _ db: StoreDB, now: Date = Date()) throws {
        try db.execute(sql: """
            UPDATE outbox SET delivered_at = ?, last_status = ?, last_error = NULL, attempts = attempts + 1 WHERE id = ?
            """, arguments: [now, status, id])
    }

    /// A failed attempt: the next one after 1, 2, 4, … seconds, at most 5 minutes apart.
    package static func failed(_ id: Int64, status: Int?, error: String, _ db: StoreDB, now: Date = Date()) throws {
        let attempts = try Int.fetchOne(db, sql: "SELECT attempts FROM outbox WHERE id = ?", arguments: [id]) ?? 0
        let delay = min(pow(2, Double(attempts)), 300)
        try db.execute(sql: """
            UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_status = ?, last_error = ? WHERE id = ?
            """, arguments: [now.addingTimeInterval(delay), status, String(error.prefix(500)), id])
    }
}
