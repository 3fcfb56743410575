import HubCore
import Synchronization

/// Refused key checks per client address per minute (`settings.unauthenticated_rpm`). Once an
/// address is over its limit, its bad keys are answered 429 with `Retry-After` and cost nothing
/// more than the look-up (a SHA-256 and a dictionary read): no sampled usage row, no further
/// counting. A valid key from the same address (another client behind the same NAT) is still served.
final class AddressLimiter: Sendable {
    /// Addresses remembered at most; beyond it, idle ones are forgotten first.
    static let capacity = 100_000

    private let refusals = Mutex<[String: TimedLog]>([:])

    /// When `address` may try again, if it is over `limit` refusals in the last minute; nil: go ahead.
    func blocked(_ address: String, limit: Int, now: ContinuousClock.Instant = .now) -> Duration? {
        guard limit > 0 else { return nil }
        return refusals.withLock { table in
            guard var log = table[address] else { return nil }
            log.drop(before: now - RateLimiter.window)
            table[address] = log.isEmpty ? nil : log
            guard log.count >= limit else { return nil }
            return log.timeUntil(below: limit, now: now, window: RateLimiter.window)
        }
    }

    /// Counts a refused key check from `address`.
    func refused(_ address: String, now: ContinuousClock.Instant = .now) {
        refusals.withLock { table in
            if table.count >= Self.capacity, table[address] == nil {
                table = table.filter { _, log in log.oldest.map { $0 > now - RateLimiter.window } ?? false }
                if table.count >= Self.capacity { table.removeAll(keepingCapacity: true) }
            }
            table[address, default: TimedLog()].append(now, 1)
        }
    }
}
