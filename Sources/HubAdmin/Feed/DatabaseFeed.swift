import Foundation
import HubCore

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
    public func notifications(_ mode: SubscriptionMode = .everyEvent) async -> AsyncThrowingStream<HubNotification, any Error> {
        // Where "now" is: read before returning, so that a write right after this call is seen.
        let start = try? await store.feedCursor()
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

    private func run(_ continuation: AsyncThrowingStream<HubNotification, any Error>.Continuation, from start: FeedCursor?,
                     mode: SubscriptionMode) async throws {
        var cursor: FeedCursor
        if let start { cursor = start } else { cursor = try await store.feedCursor() }
        var window = LiveStatsWindow()
        // Seed the window with the recent past so the first tick is meaningful.
        window.providerNames = try await store.providerNames()
        if let firstRecent = try await store.firstUsageId(since: Date().addingTimeInterval(-LiveStats.window)) {
            try await summarize(after: firstRecent - 1, through: cursor.usage, into: &window)
        }
        var nextTick = ContinuousClock.now
        var tailBudget = 0.0
        while !Task.isCancelled {
            switch mode {
            case .everyEvent:
                let batch = try await store.usageAndLedger(after: cursor, limit: 5_000)
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
                let newest = try await store.newestUsageId()
                try await summarize(after: cursor.usage, through: newest, into: &window)
                let tail = try await store.newestUsageEvents(after: cursor.usage, through: newest, limit: budget)
                cursor.usage = newest
                tailBudget -= Double(tail.count)
                for event in tail.reversed() { continuation.yield(.usage(event)) }
            }
            let audit = try await store.auditEntries(after: cursor.audit, limit: 5_000)
            for entry in audit { continuation.yield(.config(entry)) }
            cursor.audit = audit.last?.id ?? cursor.audit
            if audit.contains(where: { $0.action.hasPrefix("providers.") }) {
                window.providerNames = try await store.providerNames()
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
    private func summarize(after: Int64, through: Int64, into window: inout LiveStatsWindow) async throws {
        let totals = try await store.usageTotals(after: after, through: through, samples: Self.latencySamples)
        var groups: [Int64: [LiveStatsWindow.Group]] = [:]
        for total in totals.groups {
            let tally = LiveStatsWindow.Tally(requests: total.requests, errors: total.errors, tokens: total.tokens,
                                              creditNanos: total.creditNanos, latencyMsSum: total.latencyMsSum)
            groups[total.second, default: []].append(LiveStatsWindow.Group(
                providerId: total.providerId, model: total.model, userId: total.userId, status: total.status, tally: tally))
        }
        // The percentiles come from an even sample of at most `latencySamples` latencies per read, given
        // to the read's newest second (a poll spans a fraction of a second).
        let newest = groups.keys.max()
        for (second, groups) in groups {
            window.add(groups, latencies: second == newest ? totals.latencies : [], second: second)
        }
    }

    /// Latencies read per poll, at most.
    static let latencySamples = 256
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
