import Foundation
import HubCore

/// Computes ``LiveStats`` over the last ``LiveStats/window`` seconds from per-second tallies. Feed it
/// events one by one (``add(_:)``) or already summed (``add(_:second:)``, what a database feed reads
/// with one GROUP BY); ask it for a tick. A value type; its cost per event is a few dictionary updates,
/// and a tick merges at most `window` seconds of tallies.
public struct LiveStatsWindow: Sendable {
    /// Calls of one group (or of one second) summed.
    public struct Tally: Sendable, Equatable {
        public var requests = 0
        public var errors = 0
        public var tokens: Int64 = 0
        public var creditNanos: Int64 = 0
        public var latencyMsSum = 0.0

        public init(requests: Int = 0, errors: Int = 0, tokens: Int64 = 0, creditNanos: Int64 = 0, latencyMsSum: Double = 0) {
            self.requests = requests
            self.errors = errors
            self.tokens = tokens
            self.creditNanos = creditNanos
            self.latencyMsSum = latencyMsSum
        }

        mutating func add(_ other: Tally) {
            requests += other.requests
            errors += other.errors
            tokens += other.tokens
            creditNanos &+= other.creditNanos
            latencyMsSum += other.latencyMsSum
        }
    }

    /// What a feed that sums in its query knows of one group of calls in one second.
    public struct Group: Sendable {
        public var providerId: Int64?
        public var model: String
        public var userId: Int64?
        /// The calls' status when they reached no provider (it names them: 401, 404); else any.
        public var status: Int
        public var tally: Tally

        public init(providerId: Int64?, model: String, userId: Int64?, status: Int, tally: Tally) {
            self.providerId = providerId
            self.model = model
            self.userId = userId
            self.status = status
            self.tally = tally
        }
    }

    private struct Second {
        var total = Tally()
        var latencies: [Double] = []
        var byProvider: [String: Tally] = [:]
        var byModel: [String: Tally] = [:]
        var byUser: [Int64: Tally] = [:]
    }

    private var seconds: [Int64: Second] = [:]
    private let window: TimeInterval
    /// Provider names by id, for the per-provider breakdown.
    public var providerNames: [Int64: String] = [:]

    public init(window: TimeInterval = LiveStats.window) { self.window = window }

    public mutating func add(_ event: UsageEvent) {
        let tally = Tally(requests: 1, errors: event.status >= 400 ? 1 : 0, tokens: event.tokensIn + event.tokensOut,
                          creditNanos: event.creditsCharged.nanos, latencyMsSum: event.latencyMs)
        let group = Group(providerId: event.providerId, model: event.model, userId: event.userId, status: event.status, tally: tally)
        add([group], latencies: [event.latencyMs], second: Int64(event.createdAt.timeIntervalSince1970))
    }

    /// Adds calls already summed by group, and their latencies (all of them, or a sample), in `second`
    /// (Unix time).
    public mutating func add(_ groups: [Group], latencies: [Double], second: Int64) {
        var bucket = seconds[second] ?? Second()
        for group in groups {
            let names = LiveGroup.names(providerId: group.providerId, model: group.model, status: group.status,
                                        providerNames: providerNames)
            bucket.total.add(group.tally)
            bucket.byProvider[names.provider, default: Tally()].add(group.tally)
            bucket.byModel[names.model, default: Tally()].add(group.tally)
            bucket.byUser[group.userId ?? 0, default: Tally()].add(group.tally)
        }
        bucket.latencies += latencies
        seconds[second] = bucket
    }

    /// The stats at `now`, forgetting seconds older than the window.
    public mutating func tick(now: Date = Date(), inFlight: Int? = nil) -> LiveStats {
        let cutoff = Int64((now.timeIntervalSince1970 - window).rounded(.down))
        seconds = seconds.filter { $0.key > cutoff }
        var total = Tally()
        var latencies: [Double] = []
        var byProvider: [String: Tally] = [:], byModel: [String: Tally] = [:], byUser: [Int64: Tally] = [:]
        for second in seconds.values {
            total.add(second.total)
            latencies += second.latencies
            for (name, tally) in second.byProvider { byProvider[name, default: Tally()].add(tally) }
            for (name, tally) in second.byModel { byModel[name, default: Tally()].add(tally) }
            for (user, tally) in second.byUser { byUser[user, default: Tally()].add(tally) }
        }
        guard total.requests > 0 else { return LiveStats(time: now, inFlight: inFlight) }
        latencies.sort()
        let perMinute = Amount(nanos: Int64(clamping: Amount.divideRounded(Int128(total.creditNanos) * 60, by: Int128(window))))
        func stats(_ tally: Tally) -> GroupStats {
            GroupStats(requests: tally.requests, errors: tally.errors, requestsPerSecond: Double(tally.requests) / window,
                       averageLatencyMs: tally.requests > 0 ? tally.latencyMsSum / Double(tally.requests) : 0)
        }
        return LiveStats(
            time: now, requestsPerSecond: Double(total.requests) / window, tokensPerSecond: Double(total.tokens) / window,
            creditsPerMinute: perMinute, errorRate: Double(total.errors) / Double(total.requests),
            latencyP50Ms: Self.percentile(latencies, 0.50), latencyP95Ms: Self.percentile(latencies, 0.95),
            latencyP99Ms: Self.percentile(latencies, 0.99), inFlight: inFlight,
            byProvider: byProvider.mapValues(stats), byModel: byModel.mapValues(stats),
            byUser: Dictionary(uniqueKeysWithValues: byUser.map { (String($0.key), stats($0.value)) }))
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}

/// How the top lists name the provider and the model of a call. Calls that reached no provider get
/// names that say why (the console shows them in its language): a 401 had no valid key, a 404 named an
/// unknown model.
public enum LiveGroup {
    public static let noKey = "(no key)"
    public static let unknownModel = "(unknown model)"
    /// No provider, or no model, for any other reason.
    public static let none = "-"

    /// `provider` and `provider/model` of `event` (provider names by id; `#id` for an unknown id).
    public static func names(of event: UsageEvent, providerNames: [Int64: String]) -> (provider: String, model: String) {
        names(providerId: event.providerId, model: event.model, status: event.status, providerNames: providerNames)
    }

    static func names(providerId: Int64?, model: String, status: Int, providerNames: [Int64: String])
        -> (provider: String, model: String) {
        guard let id = providerId else {
            let reason = status == 401 ? noKey : status == 404 ? unknownModel : nil
            return (reason ?? none, reason ?? (model.isEmpty ? none : model))
        }
        let provider = providerNames[id] ?? "#\(id)"
        return (provider, model.isEmpty ? provider : "\(provider)/\(model)")
    }
}
