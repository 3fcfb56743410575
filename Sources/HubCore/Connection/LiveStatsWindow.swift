import Foundation

/// Computes ``LiveStats`` from the usage events of the last ``LiveStats/window`` seconds.
/// A value type: feed it events in order, ask it for a tick.
public struct LiveStatsWindow: Sendable {
    private var events: [UsageEvent] = []
    private let window: TimeInterval
    /// Provider names by id, for the per-provider breakdown.
    public var providerNames: [Int64: String] = [:]

    public init(window: TimeInterval = LiveStats.window) { self.window = window }

    public mutating func add(_ event: UsageEvent) { events.append(event) }

    /// The stats at `now`, forgetting events older than the window.
    public mutating func tick(now: Date = Date(), inFlight: Int? = nil) -> LiveStats {
        let cutoff = now.addingTimeInterval(-window)
        events.removeAll { $0.createdAt < cutoff }
        let count = events.count
        guard count > 0 else { return LiveStats(time: now, inFlight: inFlight) }
        let latencies = events.map(\.latencyMs).sorted()
        let errors = events.filter { $0.status >= 400 }.count
        let tokens = events.reduce(Int64(0)) { $0 + $1.tokensIn + $1.tokensOut }
        let credits = events.reduce(Int64(0)) { $0 &+ $1.creditsCharged.nanos }
        let perMinute = Amount(nanos: Int64(clamping: Amount.divideRounded(Int128(credits) * 60, by: Int128(window))))
        return LiveStats(
            time: now, requestsPerSecond: Double(count) / window, tokensPerSecond: Double(tokens) / window,
            creditsPerMinute: perMinute, errorRate: Double(errors) / Double(count),
            latencyP50Ms: Self.percentile(latencies, 0.50), latencyP95Ms: Self.percentile(latencies, 0.95),
            latencyP99Ms: Self.percentile(latencies, 0.99), inFlight: inFlight,
            byProvider: groups { $0.providerId.map { providerNames[$0] ?? "#\($0)" } ?? "-" },
            byModel: groups { event in
                let provider = event.providerId.map { providerNames[$0] ?? "#\($0)" }
                return provider.map { "\($0)/\(event.model)" } ?? event.model
            })
    }

    private func groups(_ key: (UsageEvent) -> String) -> [String: GroupStats] {
        Dictionary(grouping: events, by: key).mapValues { group in
            GroupStats(requests: group.count, errors: group.filter { $0.status >= 400 }.count,
                       requestsPerSecond: Double(group.count) / window,
                       latencyP50Ms: Self.percentile(group.map(\.latencyMs).sorted(), 0.5))
        }
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}
