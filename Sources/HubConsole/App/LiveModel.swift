import Foundation
import HubCore

/// The Live pane's data, built from `usage.subscribe` notifications: the last minutes of stats
/// ticks (sparklines), a tail of recent calls, and per-second tallies of calls by user.
struct LiveModel: Sendable {
    static let history = 180
    static let tailLength = 100
    static let topWindowSeconds: Int64 = 60

    struct Tally: Sendable, Equatable {
        var requests = 0
        var credits = Amount.zero
    }

    var paused = false
    /// Stats ticks, oldest first.
    var samples: [LiveStats] = []
    /// Recent calls, newest first.
    var tail: [UsageEvent] = []
    /// Calls by user id (0: unknown) per second, for the top-users list.
    var perSecond: [(second: Int64, byUser: [Int64: Tally])] = []

    mutating func apply(_ notification: HubNotification) {
        guard !paused else { return }
        switch notification {
        case .stats(let stats):
            samples.append(stats)
            if samples.count > Self.history { samples.removeFirst(samples.count - Self.history) }
            let horizon = Int64(stats.time.timeIntervalSince1970) - Self.topWindowSeconds
            perSecond.removeAll { $0.second < horizon }
        case .usage(let event):
            tail.insert(event, at: 0)
            if tail.count > Self.tailLength { tail.removeLast(tail.count - Self.tailLength) }
            let second = Int64(event.createdAt.timeIntervalSince1970)
            if perSecond.last?.second != second { perSecond.append((second, [:])) }
            var tally = perSecond[perSecond.count - 1].byUser[event.userId ?? 0, default: Tally()]
            tally.requests += 1
            tally.credits = (try? tally.credits.adding(event.creditsCharged)) ?? tally.credits
            perSecond[perSecond.count - 1].byUser[event.userId ?? 0] = tally
        case .ledger, .config, .dropped:
            break
        }
    }

    /// Users by calls over the last minute, busiest first.
    func topUsers(limit: Int) -> [(userId: Int64, tally: Tally)] {
        var totals: [Int64: Tally] = [:]
        for bucket in perSecond {
            for (user, tally) in bucket.byUser {
                var total = totals[user, default: Tally()]
                total.requests += tally.requests
                total.credits = (try? total.credits.adding(tally.credits)) ?? total.credits
                totals[user] = total
            }
        }
        return totals.sorted { ($0.value.requests, $1.key) > ($1.value.requests, $0.key) }.prefix(limit).map { ($0.key, $0.value) }
    }

    var latest: LiveStats? { samples.last }
}
