import Foundation
import HubAdmin
import HubCore

/// The Live pane's data, built from a `usage.subscribe` summary subscription: the last minutes of stats
/// ticks (sparklines and top lists: every call counted by the hub) and a tail of recent calls (a sample).
struct LiveModel: Sendable {
    static let history = 180
    static let tailLength = 100

    var paused = false
    /// Stats ticks, oldest first.
    var samples: [LiveStats] = []
    /// Recent calls, newest first.
    var tail: [UsageEvent] = []

    mutating func apply(_ notification: HubNotification) {
        guard !paused else { return }
        switch notification {
        case .stats(let stats):
            samples.append(stats)
            if samples.count > Self.history { samples.removeFirst(samples.count - Self.history) }
        case .usage(let event):
            tail.insert(event, at: 0)
            if tail.count > Self.tailLength { tail.removeLast(tail.count - Self.tailLength) }
        case .ledger, .config, .dropped:
            break
        }
    }

    /// Users by calls over the stats window, busiest first (user id 0: calls without a user).
    func topUsers(limit: Int) -> [(userId: Int64, stats: GroupStats)] {
        (latest?.byUser ?? [:]).compactMap { key, stats in Int64(key).map { ($0, stats) } }
            .sorted { ($0.1.requests, $1.0) > ($1.1.requests, $0.0) }.prefix(limit).map { ($0.0, $0.1) }
    }

    var latest: LiveStats? { samples.last }
}
