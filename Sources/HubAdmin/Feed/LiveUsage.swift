import Foundation
import HubCore

/// A live notification from a hub: what `usage.subscribe` streams.
public enum HubNotification: Sendable, Equatable {
    /// A request was metered (success or failure).
    case usage(UsageEvent)
    /// A balance moved.
    case ledger(LedgerEntry)
    /// An admin change (mode, settings, users, keys, providers, credentials, rates).
    case config(AuditEntry)
    /// The once-a-second summary.
    case stats(LiveStats)
    /// The subscriber fell behind and is being dropped; no more notifications follow.
    case dropped(reason: String)
}

/// What a subscriber asks `usage.subscribe` for.
public enum SubscriptionMode: Sendable, Equatable {
    /// Every usage event, ledger entry and admin change, and the stats ticks (`admin usage tail`).
    case everyEvent
    /// The stats ticks (which count every event), admin changes, and at most `tailPerSecond` usage
    /// events a second: what a live view needs, at a cost that does not grow with the traffic.
    case summary(tailPerSecond: Int)

    /// The console's subscription: a sample of 10 calls a second for its tail.
    public static let console = SubscriptionMode.summary(tailPerSecond: 10)
}

/// Throughput and latency of one provider, model or user over the stats window.
public struct GroupStats: Codable, Sendable, Equatable {
    public var requests: Int
    public var errors: Int
    public var requestsPerSecond: Double
    public var averageLatencyMs: Double

    public init(requests: Int, errors: Int, requestsPerSecond: Double, averageLatencyMs: Double) {
        self.requests = requests
        self.errors = errors
        self.requestsPerSecond = requestsPerSecond
        self.averageLatencyMs = averageLatencyMs
    }
}

/// The once-a-second `stats` tick: traffic over the last ``window`` seconds.
public struct LiveStats: Codable, Sendable, Equatable {
    public static let window: TimeInterval = 10

    public var time: Date
    public var requestsPerSecond: Double
    public var tokensPerSecond: Double
    /// Credits charged per minute (a rate, for display; the ledger holds the exact charges).
    public var creditsPerMinute: Amount
    /// Failed requests ÷ requests, 0...1.
    public var errorRate: Double
    public var latencyP50Ms: Double
    public var latencyP95Ms: Double
    public var latencyP99Ms: Double
    /// Requests being served now; nil when the source cannot know (a stopped hub).
    public var inFlight: Int?
    public var byProvider: [String: GroupStats]
    public var byModel: [String: GroupStats]
    /// By user id (`"0"`: calls without a user).
    public var byUser: [String: GroupStats]

    public init(
        time: Date, requestsPerSecond: Double = 0, tokensPerSecond: Double = 0, creditsPerMinute: Amount = .zero,
        errorRate: Double = 0, latencyP50Ms: Double = 0, latencyP95Ms: Double = 0, latencyP99Ms: Double = 0,
        inFlight: Int? = nil, byProvider: [String: GroupStats] = [:], byModel: [String: GroupStats] = [:],
        byUser: [String: GroupStats] = [:]
    ) {
        self.time = time
        self.requestsPerSecond = requestsPerSecond
        self.tokensPerSecond = tokensPerSecond
        self.creditsPerMinute = creditsPerMinute
        self.errorRate = errorRate
        self.latencyP50Ms = latencyP50Ms
        self.latencyP95Ms = latencyP95Ms
        self.latencyP99Ms = latencyP99Ms
        self.inFlight = inFlight
        self.byProvider = byProvider
        self.byModel = byModel
        self.byUser = byUser
    }
}
