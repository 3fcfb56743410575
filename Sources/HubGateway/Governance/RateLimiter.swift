import HubCore
import Synchronization

/// Requests per minute, tokens per minute and concurrent requests, per key, user and team, exact
/// on this node: every window is a log of the last 60 seconds (not an estimate), checked and
/// updated under one lock, so no two requests can take the same last slot.
///
/// A call is admitted only if every subject it counts for has room; then it takes a request slot
/// and a concurrency slot of each (nothing is taken when any refuses). Tokens are counted when
/// the call finishes (its real usage); a call is admitted while the last minute's tokens are below
/// the limit, so tokens per minute may be overshot by the calls in flight.
final class RateLimiter: Sendable {
    static let window: Duration = .seconds(60)

    /// One subject's limits, with its name for messages.
    struct Rule: Sendable {
        var subject: SubjectKey
        var name: String
        var limits: LimitValues
    }

    /// Why a call was refused, and when to try again.
    struct Refusal: Error, Sendable {
        var rule: Rule
        var what: String
        var retryAfter: Duration
        var headers: RateHeaders
    }

    private struct Usage {
        var requests = TimedLog()
        var tokens = TimedLog()
        var inFlight = 0
        var isIdle: Bool { requests.isEmpty && tokens.isEmpty && inFlight == 0 }
    }

    private let usage = Mutex<[SubjectKey: Usage]>([:])

    /// Admits a call counting for `rules`, or throws the refusal.
    func admit(_ rules: [Rule], now: ContinuousClock.Instant = .now) throws(Refusal) -> RatePermit {
        let limited = rules.filter { !$0.limits.isEmpty }
        guard !limited.isEmpty else { return RatePermit(limiter: self, rules: [], headers: RateHeaders()) }
        let outcome: Result<RateHeaders, Refusal> = usage.withLock { table in
            var headers = RateHeaders()
            for rule in limited {
                var entry = table[rule.subject] ?? Usage()
                entry.requests.drop(before: now - Self.window)
                entry.tokens.drop(before: now - Self.window)
                table[rule.subject] = entry
                if let rpm = rule.limits.rpm {
                    let used = entry.requests.count
                    let reset = entry.requests.oldest.map { $0 + Self.window - now } ?? .zero
                    if used >= rpm {
                        headers.requests(limit: rpm, remaining: 0, reset: reset)
                        return .failure(Refusal(rule: rule, what: "\(rpm) requests per minute", retryAfter: reset, headers: headers))
                    }
                    headers.requests(limit: rpm, remaining: rpm - used - 1, reset: used == 0 ? Self.window : reset)
                }
                if let tpm = rule.limits.tpm {
                    let used = entry.tokens.total
                    let reset = entry.tokens.oldest.map { $0 + Self.window - now } ?? .zero
                    if used >= tpm {
                        let wait = entry.tokens.timeUntil(below: tpm, now: now, window: Self.window)
                        headers.tokens(limit: tpm, remaining: 0, reset: wait)
                        return .failure(Refusal(rule: rule, what: "\(tpm) tokens per minute", retryAfter: wait, headers: headers))
                    }
                    headers.tokens(limit: tpm, remaining: tpm - used, reset: reset)
                }
                if let concurrency = rule.limits.concurrency, entry.inFlight >= concurrency {
                    return .failure(Refusal(rule: rule, what: "\(concurrency) concurrent requests", retryAfter: .seconds(1),
                                            headers: headers))
                }
            }
            for rule in limited {
                if rule.limits.rpm != nil { table[rule.subject]!.requests.append(now, 1) }
                if rule.limits.concurrency != nil { table[rule.subject]!.inFlight += 1 }
            }
            return .success(headers)
        }
        switch outcome {
        case .success(let headers): return RatePermit(limiter: self, rules: limited, headers: headers)
        case .failure(let refusal): throw refusal
        }
    }

    /// A call admitted under `rules` has finished with `tokens`: its concurrency slots are freed.
    fileprivate func finished(_ rules: [Rule], tokens: Int, now: ContinuousClock.Instant = .now) {
        usage.withLock { table in
            for rule in rules {
                guard var entry = table[rule.subject] else { continue }
                if rule.limits.concurrency != nil { entry.inFlight = max(0, entry.inFlight - 1) }
                if rule.limits.tpm != nil, tokens > 0 { entry.tokens.append(now, tokens) }
                entry.requests.drop(before: now - Self.window)
                entry.tokens.drop(before: now - Self.window)
                table[rule.subject] = entry.isIdle ? nil : entry
            }
        }
    }

    /// Calls in flight for a subject (tests and stats).
    func inFlight(_ subject: SubjectKey) -> Int { usage.withLock { $0[subject]?.inFlight ?? 0 } }
}

/// An admitted call's slots: freed exactly once, by ``finish(tokens:)`` or, for a call that ended
/// on a path that forgot it, when the permit is dropped.
final class RatePermit: Sendable {
    private let limiter: RateLimiter
    private let rules: [RateLimiter.Rule]
    /// OpenAI's `x-ratelimit-*` headers as of the admission.
    let headers: RateHeaders
    private let done = Atomic<Bool>(false)

    fileprivate init(limiter: RateLimiter, rules: [RateLimiter.Rule], headers: RateHeaders) {
        self.limiter = limiter; self.rules = rules; self.headers = headers
    }

    func finish(tokens: Int) {
        guard !rules.isEmpty, !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
        limiter.finished(rules, tokens: tokens)
    }

    deinit { finish(tokens: 0) }
}

/// A log of (time, amount) entries in time order, with the total of those still in it.
struct TimedLog: Sendable {
    private var times: [ContinuousClock.Instant] = []
    private var amounts: [Int] = []
    private var start = 0
    private(set) var total = 0

    var count: Int { times.count - start }
    var isEmpty: Bool { count == 0 }
    var oldest: ContinuousClock.Instant? { isEmpty ? nil : times[start] }

    mutating func append(_ time: ContinuousClock.Instant, _ amount: Int) {
        times.append(time)
        amounts.append(amount)
        total += amount
    }

    mutating func drop(before cutoff: ContinuousClock.Instant) {
        while start < times.count, times[start] <= cutoff {
            total -= amounts[start]
            start += 1
        }
        if start > 64 && start * 2 > times.count {
            times.removeFirst(start)
            amounts.removeFirst(start)
            start = 0
        }
    }

    /// How long until the total falls below `limit` as entries leave the window.
    func timeUntil(below limit: Int, now: ContinuousClock.Instant, window: Duration) -> Duration {
        var remaining = total
        var index = start
        while remaining >= limit, index < times.count {
            remaining -= amounts[index]
            if remaining < limit { return max(.zero, times[index] + window - now) }
            index += 1
        }
        return .zero
    }
}

/// OpenAI's rate-limit headers: the tightest request and token limits a call counted against.
struct RateHeaders: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var limit: Int
        var remaining: Int
        var reset: Duration
    }

    var requests: Entry?
    var tokens: Entry?

    mutating func requests(limit: Int, remaining: Int, reset: Duration) {
        if requests.map({ remaining < $0.remaining }) ?? true { requests = Entry(limit: limit, remaining: remaining, reset: reset) }
    }

    mutating func tokens(limit: Int, remaining: Int, reset: Duration) {
        if tokens.map({ remaining < $0.remaining }) ?? true { tokens = Entry(limit: limit, remaining: remaining, reset: reset) }
    }

    /// `(name, value)` pairs: `x-ratelimit-limit-requests`, `-remaining-`, `-reset-` and the `-tokens` trio.
    var fields: [(String, String)] {
        var fields: [(String, String)] = []
        for (suffix, entry) in [("requests", requests), ("tokens", tokens)] {
            guard let entry else { continue }
            fields.append(("x-ratelimit-limit-\(suffix)", String(entry.limit)))
            fields.append(("x-ratelimit-remaining-\(suffix)", String(max(0, entry.remaining))))
            fields.append(("x-ratelimit-reset-\(suffix)", Self.goDuration(entry.reset)))
        }
        return fields
    }

    /// A duration as OpenAI writes it (Go's notation): `20ms`, `1.5s`, `6m0s`.
    static func goDuration(_ duration: Duration) -> String {
        let milliseconds = max(0, Int((Double(duration.components.seconds) * 1_000
                                        + Double(duration.components.attoseconds) / 1e15).rounded(.up)))
        if milliseconds < 1_000 { return "\(milliseconds)ms" }
        let minutes = milliseconds / 60_000
        let rest = milliseconds % 60_000
        let seconds = rest % 1_000 == 0 ? "\(rest / 1_000)" : String(format: "%.3f", Double(rest) / 1_000)
            .replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression)
        return minutes > 0 ? "\(minutes)m\(seconds)s" : "\(seconds)s"
    }
}
