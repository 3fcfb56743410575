import Foundation
import GRDB

// What a live feed reads from the database, each a read-only snapshot: the newest ids, the rows after
// an id, and the usage events summed by group. HubAdmin's `DatabaseFeed` polls these.

/// The newest usage event, ledger entry and audit entry ids.
package struct FeedCursor: Sendable, Equatable {
    package var usage: Int64
    package var ledger: Int64
    package var audit: Int64
}

/// Usage events of one second summed by provider, model, user and, for calls that reached no
/// provider, status (it names them: 401, 404; 0 otherwise).
package struct UsageGroupTotal: Sendable, Equatable {
    package var second: Int64
    package var providerId: Int64?
    package var model: String
    package var userId: Int64?
    package var status: Int
    package var requests: Int
    package var errors: Int
    package var tokens: Int64
    package var creditNanos: Int64
    package var latencyMsSum: Double
}

extension HubStore {
    /// The newest ids now.
    package func feedCursor() async throws(HubError) -> FeedCursor {
        try await read { db in
            FeedCursor(usage: try Self.newestUsageId(db),
                       ledger: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM ledger") ?? 0,
                       audit: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM audit_log") ?? 0)
        }
    }

    package func newestUsageId() async throws(HubError) -> Int64 { try await read { db in try Self.newestUsageId(db) } }

    private static func newestUsageId(_ db: StoreDB) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM usage_events") ?? 0
    }

    /// Provider names by id.
    package func providerNames() async throws(HubError) -> [Int64: String] {
        try await read { db in try Dictionary(uniqueKeysWithValues: Provider.fetchAll(db).map { ($0.id!, $0.name) }) }
    }

    /// The id of the first usage event at or after `time`, if any.
    package func firstUsageId(since time: Date) async throws(HubError) -> Int64? {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT MIN(id) FROM usage_events WHERE created_at >= ?", arguments: [time]) }
    }

    /// Usage events and ledger entries after the given ids, oldest first, at most `limit` of each.
    package func usageAndLedger(after cursor: FeedCursor, limit: Int) async throws(HubError) -> (usage: [UsageEvent], ledger: [LedgerEntry]) {
        try await read { db in
            (usage: try UsageEvent.fetchAll(db, sql: "SELECT * FROM usage_events WHERE id > ? ORDER BY id LIMIT ?",
                                            arguments: [cursor.usage, limit]),
             ledger: try LedgerEntry.fetchAll(db, sql: "SELECT * FROM ledger WHERE id > ? ORDER BY id LIMIT ?",
                                              arguments: [cursor.ledger, limit]))
        }
    }

    /// Audit entries after `id`, oldest first, at most `limit`.
    package func auditEntries(after id: Int64, limit: Int) async throws(HubError) -> [AuditEntry] {
        try await read { db in try AuditEntry.fetchAll(db, sql: "SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?", arguments: [id, limit]) }
    }

    /// The newest `limit` usage events with ids in `after+1...through`, newest first.
    package func newestUsageEvents(after: Int64, through: Int64, limit: Int) async throws(HubError) -> [UsageEvent] {
        try await read { db in
            try UsageEvent.fetchAll(db, sql: "SELECT * FROM usage_events WHERE id > ? AND id <= ? ORDER BY id DESC LIMIT ?",
                                    arguments: [after, through, limit])
        }
    }

    /// The usage events with ids in `after+1...through` summed by second and group in one query, and
    /// an even sample of at most `samples` of their latencies.
    package func usageTotals(after: Int64, through: Int64, samples: Int) async throws(HubError)
        -> (groups: [UsageGroupTotal], latencies: [Double]) {
        guard through > after else { return ([], []) }
        return try await read { db in
            var groups: [UsageGroupTotal] = []
            // The whole second (Unix time) of `created_at`.
            let second = db.kind == .sqlite ? "CAST(strftime('%s', created_at) AS INTEGER)"
                : "CAST(floor(extract(epoch FROM created_at)) AS BIGINT)"
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(second) AS second, provider_id, model, user_id,
                       CASE WHEN provider_id IS NULL THEN status ELSE 0 END AS status, COUNT(*) AS requests,
                       SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
                       SUM(tokens_in + tokens_out) AS tokens, SUM(credits_charged) AS credits, SUM(latency_ms) AS latency
                FROM usage_events WHERE id > ? AND id <= ? GROUP BY 1, 2, 3, 4, 5
                """, arguments: [after, through])
            for row in rows {
                groups.append(UsageGroupTotal(
                    second: row["second"], providerId: row["provider_id"], model: row["model"], userId: row["user_id"],
                    status: row["status"], requests: row["requests"], errors: row["errors"], tokens: row["tokens"],
                    creditNanos: row["credits"], latencyMsSum: row["latency"]))
            }
            let step = max(1, (through - after) / Int64(max(1, samples)))
            let latencies = try Double.fetchAll(db, sql: """
                SELECT latency_ms FROM usage_events WHERE id > ? AND id <= ? AND (id - ?) % ? = 0
                """, arguments: [after, through, after + 1, step])
            return (groups, latencies)
        }
    }
}
