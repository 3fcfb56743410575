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
    public func notifications() -> AsyncThrowingStream<HubNotification, any Error> {
        // Where "now" is: read before returning, so that a write right after this call is seen.
        let start = try? cursor()
        return AsyncThrowingStream(bufferingPolicy: .bufferingNewest(10_000)) { continuation in
            let task = Task {
                do {
                    try await run(continuation, from: start)
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
            Cursor(usage: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM usage_events") ?? 0,
                   ledger: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM ledger") ?? 0,
                   audit: try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM audit_log") ?? 0)
        }
    }

    private func run(_ continuation: AsyncThrowingStream<HubNotification, any Error>.Continuation, from start: Cursor?) async throws {
        var cursor = try start ?? self.cursor()
        var window = LiveStatsWindow()
        // Seed the window with the recent past so the first tick is meaningful.
        try store.read { db in
            window.providerNames = try Dictionary(uniqueKeysWithValues: Provider.fetchAll(db).map { ($0.id!, $0.name) })
            let since = Date().addingTimeInterval(-LiveStats.window)
            for event in try UsageEvent.filter(Column("created_at") >= since).order(Column("id")).fetchAll(db) {
                window.add(event)
            }
        }
        var nextTick = ContinuousClock.now
        while !Task.isCancelled {
            let batch = try store.read { db in
                (usage: try UsageEvent.filter(Column("id") > cursor.usage).order(Column("id")).limit(5_000).fetchAll(db),
                 ledger: try LedgerEntry.filter(Column("id") > cursor.ledger).order(Column("id")).limit(5_000).fetchAll(db),
                 audit: try AuditEntry.filter(Column("id") > cursor.audit).order(Column("id")).limit(5_000).fetchAll(db))
            }
            for event in batch.usage {
                window.add(event)
                continuation.yield(.usage(event))
            }
            for entry in batch.ledger { continuation.yield(.ledger(entry)) }
            for entry in batch.audit { continuation.yield(.config(entry)) }
            cursor.usage = batch.usage.last?.id ?? cursor.usage
            cursor.ledger = batch.ledger.last?.id ?? cursor.ledger
            cursor.audit = batch.audit.last?.id ?? cursor.audit
            if batch.audit.contains(where: { $0.action.hasPrefix("providers.") }) {
                window.providerNames = try store.read { db in
                    try Dictionary(uniqueKeysWithValues: Provider.fetchAll(db).map { ($0.id!, $0.name) })
                }
            }
            if ContinuousClock.now >= nextTick {
                continuation.yield(.stats(window.tick(inFlight: inFlight?())))
                nextTick = nextTick.advanced(by: .seconds(1))
            }
            try await Task.sleep(for: pollInterval)
        }
    }
}
