import Foundation
import GRDB

/// Live notifications derived from the database by polling: new usage events, ledger entries and
/// audit entries (by increasing id), and a stats tick each second. Works whether or not a hub is
/// running, and sees the writes of every process.
public struct DatabaseFeed: Sendable {
    public let store: HubStore
    public var pollInterval: Duration
    /// Requests being served now, for the stats tick; nil when unknown (no hub in this process).
    public var inFlight: (@Sendable () -> Int)?

    public init(store: HubStore, pollInterval: Duration = .milliseconds(250), inFlight: (@Sendable () -> Int)? = nil) {
        self.store = store
        self.pollInterval = pollInterval
        self.inFlight = inFlight
    }

    /// Notifications from now on (nothing from before the call), until the stream is cancelled.
    /// `.summary` reads each poll's new usage events with one GROUP BY (and their latencies) instead of
    /// decoding every row, skips ledger entries, and decodes only the newest events of its tail budget.
    public func notifications(_ mode: SubscriptionMode = .everyEvent) -> AsyncThrowingStream<HubNotification, any Error> {
        // Where "now" is: read before returning, so that a write right after this call is seen.
        let start = try? cursor()
        return AsyncThrowingStream(bufferingPolicy: .bufferingNewest(10_000)) { continuation in
            let task = Task {
                do {
                    try await run(continuation, from: start, mode: mode)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private struct Cursor { var usage: Int64; var ledger: Int64; var audit: Int64 }

    /// The newest ids now.
    private func cursor() throws(HubError) -> Cursor {
        try store.read { db in
            Cursor(usage: try Self.newestUsage(db),
                   ledger: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM ledger") ?? 0,
                   audit: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM audit_log") ?? 0)
        }
    }

    private static func newestUsage(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM usage_events") ?? 0
    }

    private static func providerNames(_ db: Database) throws -> [Int64: String] {
        try Dictionary(uniqueKeysWithValues: Provider.fetchAll(db).map { ($0.id!, $0.name) })
    }

    private func run(_ continuation: AsyncThrowingStream<HubNotification, any Error>.Continuation, from start: Cursor?,
                     mode: SubscriptionMode) async throws {
        var cursor = try start ?? self.cursor()
        var window = LiveStatsWindow()
        // Seed the window with the recent past so the first tick is meaningful.
        try store.read { db in
            window.providerNames = try Self.providerNames(db)
            let firstRecent = try Int64.fetchOne(db, sql: "SELECT MIN(id) FROM usage_events WHERE created_at >= ?",
                                                 arguments: [Date().addingTimeInterval(-LiveStats.window)])
            if let firstRecent { try Self.summarize(db, after: firstRecent - 1, through: cursor.usage, into: &window) }
        }
        var nextTick = ContinuousClock.now
        var tailBudget = 0.0
        while !Task.isCancelled {
            switch mode {
            case .everyEvent:
                let batch = try store.read { db in
                    (usage: try UsageEvent.filter(Column("id") > cursor.usage).order(Column("id")).limit(5_000).fetchAll(db),
                     ledger: try LedgerEntry.filter(Column("id") > cursor.ledger).order(Column("id")).limit(5_000).fetchAll(db))
                }
                for event in batch.usage {
                    window.add(event)
                    continuation.yield(.usage(event))
                }
                for entry in batch.ledger { continuation.yield(.ledger(entry)) }
                cursor.usage = batch.usage.last?.id ?? cursor.usage
                cursor.ledger = batch.ledger.last?.id ?? cursor.ledger
            case .summary(let perSecond):
                tailBudget = min(Double(perSecond), tailBudget + Double(perSecond) * pollInterval.seconds)
                let budget = Int(tailBudget)
                let tail = try store.read { db in
                    let newest = try Self.newestUsage(db)
                    try Self.summarize(db, after: cursor.usage, through: newest, into: &window)
                    let tail = try UsageEvent.filter(Column("id") > cursor.usage && Column("id") <= newest)
                        .order(Column("id").desc).limit(budget).fetchAll(db)
                    cursor.usage = newest
                    return tail
                }
                tailBudget -= Double(tail.count)
                for event in tail.reversed() { continuation.yield(.usage(event)) }
            }
            let audit = try store.read { db in
                try AuditEntry.filter(Column("id") > cursor.audit).order(Column("id")).limit(5_000).fetchAll(db)
            }
            for entry in audit { continuation.yield(.config(entry)) }
            cursor.audit = audit.last?.id ?? cursor.audit
            if audit.contains(where: { $0.action.hasPrefix("providers.") }) {
                window.providerNames = try store.read(Self.providerNames)
            }
            if ContinuousClock.now >= nextTick {
                continuation.yield(.stats(window.tick(inFlight: inFlight?())))
                nextTick = nextTick.advanced(by: .seconds(1))
            }
            try await Task.sleep(for: pollInterval)
        }
    }

    /// Adds the usage events with ids in `after+1...through` to `window`, summed by second, provider,
    /// model and user in one query, and a sample of their latencies.
    private static func summarize(_ db: Database, after: Int64, through: Int64, into window: inout LiveStatsWindow) throws {
        guard through > after else { return }
        var groups: [Int64: [LiveStatsWindow.Group]] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT CAST(strftime('%s', created_at) AS INTEGER), provider_id, model, user_id,
                   CASE WHEN provider_id IS NULL THEN status ELSE 0 END, COUNT(*), SUM(status >= 400),
                   SUM(tokens_in + tokens_out), SUM(credits_charged), SUM(latency_ms)
            FROM usage_events WHERE id > ? AND id <= ? GROUP BY 1, 2, 3, 4, 5
            """, arguments: [after, through])
        while let row = try rows.next() {
            let tally = LiveStatsWindow.Tally(requests: row[5], errors: row[6], tokens: row[7], creditNanos: row[8], latencyMsSum: row[9])
            groups[row[0], default: []].append(
                LiveStatsWindow.Group(providerId: row[1], model: row[2], userId: row[3], status: row[4], tally: tally))
        }
        // The percentiles come from an even sample of at most `latencySamples` latencies per read, given
        // to the read's newest second (a poll spans a fraction of a second).
        let step = max(1, (through - after) / Int64(Self.latencySamples))
        let latencies = try Double.fetchAll(db, sql: """
            SELECT latency_ms FROM usage_events WHERE id > ? AND id <= ? AND (id - ?) % ? = 0
            """, arguments: [after, through, after + 1, step])
        let newest = groups.keys.max()
        for (second, groups) in groups { window.add(groups, latencies: second == newest ? latencies : [], second: second) }
    }

    /// Latencies read per poll, at most.
    static let latencySamples = 256
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
