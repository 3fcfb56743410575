import Foundation
import HubCore
import Hummingbird

/// The governance checks of one call, in the order the request path meets them:
///
/// 1. ``addressRefusal(_:snapshot:)`` — when the key check fails: a client address that sent too
///    many bad keys this minute is answered 429 instead of 401.
/// 2. ``admit(_:address:snapshot:)`` — after it: the key's scope (expiry, client address ranges),
///    then the rate limits of its key, user and team (a ``RatePermit`` the call keeps to its end).
/// 3. ``allowedCandidates(_:requested:identity:snapshot:)`` — once the model is known: the key's
///    model patterns.
/// 4. ``holdBudget(_:identity:amount:snapshot:)`` — part of the hold: the budgets of the key,
///    user and team.
struct GovernanceGate: Sendable {
    let limiter = RateLimiter()
    let addresses = AddressLimiter()
    let budgets = BudgetBook()
    let clock: GovernanceClock

    func addressRefusal(_ address: String?, snapshot: ConfigSnapshot) -> APIError? {
        guard let address, let wait = addresses.blocked(address, limit: snapshot.settings.unauthenticatedRpm) else { return nil }
        return APIError.rateLimitExceeded(
            "too many requests with a missing or wrong API key from \(address): at most \(snapshot.settings.unauthenticatedRpm) a minute",
            retryAfter: wait, headers: RateHeaders())
    }

    func keyRefused(_ address: String?) {
        if let address { addresses.refused(address) }
    }

    /// The key's scope and the rate limits of its subjects: the permit, or the refusal.
    func admit(_ identity: ClientIdentity, address: String?, snapshot: ConfigSnapshot) throws(APIError) -> RatePermit {
        let governance = snapshot.catalog.governance
        if let parsed = governance.scopes[identity.keyId] {
            if let expiry = parsed.scope.expiresAt, clock.now() >= expiry {
                throw APIError.keyExpired("this API key expired at \(expiry.formatted(.iso8601))")
            }
            if !parsed.ranges.isEmpty {
                guard let address, parsed.ranges.contains(where: { $0.contains(address) }) else {
                    throw APIError.addressNotAllowed("this API key may not be used from \(address ?? "an unknown address"): "
                                                     + "allowed ranges are \(parsed.scope.cidrs.joined(separator: ", "))")
                }
            }
        }
        let rules = governance.subjects(keyId: identity.keyId, userId: identity.userId).compactMap { subject -> RateLimiter.Rule? in
            let limits = governance.limits[subject]
                ?? (subject.kind == .key ? snapshot.settings.defaultKeyLimits.limits(in: snapshot.mode) : nil)
            return limits.map { RateLimiter.Rule(subject: subject, name: governance.name(subject), limits: $0) }
        }
        do {
            return try limiter.admit(rules)
        } catch {
            let whose = error.rule.subject.kind == .key ? "this key" : "\(error.rule.subject.kind.rawValue) '\(error.rule.name)'"
            throw APIError.rateLimitExceeded("rate limit reached: \(whose) may make \(error.what); retry after \(error.retryAfter.retryAfterSeconds) s",
                                             retryAfter: error.retryAfter, headers: error.headers)
        }
    }

    /// The candidates the key's model patterns allow (all when it has none), or `model_not_allowed`.
    func allowedCandidates(_ candidates: [RouteCandidate], requested: String, identity: ClientIdentity,
                           snapshot: ConfigSnapshot) throws(APIError) -> [RouteCandidate] {
        guard let parsed = snapshot.catalog.governance.scopes[identity.keyId], !parsed.models.isEmpty else { return candidates }
        let allowed = candidates.filter { candidate in
            parsed.models.contains { $0.matches("\(candidate.provider.name)/\(candidate.upstreamModel)") || $0.matches(requested) }
        }
        guard !allowed.isEmpty else {
            throw APIError.modelNotAllowed(
                "this API key may not use model '\(requested)': allowed are \(parsed.scope.models.joined(separator: ", "))")
        }
        return allowed
    }

    /// Holds `amount` (the call's worst case: credits, or provider USD in enterprise mode) against
    /// the budgets of the caller, or refuses with `budget_exceeded`.
    func holdBudget(_ requestId: String, identity: ClientIdentity, amount: Amount, snapshot: ConfigSnapshot) throws(APIError) {
        let subjects = snapshot.catalog.governance.subjects(keyId: identity.keyId, userId: identity.userId)
        do {
            try budgets.reserve(requestId, subjects: subjects, amount: amount, now: clock.now())
        } catch {
            let account = error.account
            let subject = account.budget.subjectKind == .key ? "key \(account.name)" : "\(account.budget.subjectKind.rawValue) '\(account.name)'"
            let unit = snapshot.mode == .serviceProvider ? "credits" : "USD"
            throw APIError.budgetExceeded(
                "budget exceeded: the \(account.budget.period.adjective) budget of \(subject) (\(account.budget.amount) \(unit)) "
                + "is spent; it resets at \(account.periodEnd.formatted(.iso8601))")
        }
    }

    /// Whether any budget applies to the caller (enterprise calls are bounded only then).
    func hasBudget(_ identity: ClientIdentity, snapshot: ConfigSnapshot) -> Bool {
        budgets.applies(to: snapshot.catalog.governance.subjects(keyId: identity.keyId, userId: identity.userId))
    }
}

extension BudgetPeriod {
    var adjective: String {
        switch self {
        case .day: "daily"
        case .week: "weekly"
        case .month: "monthly"
        }
    }
}

extension APIError {
    static func keyExpired(_ message: String) -> APIError {
        APIError(status: .unauthorized, message: message, type: "invalid_request_error", code: "key_expired")
    }
    static func addressNotAllowed(_ message: String) -> APIError {
        APIError(status: .forbidden, message: message, type: "permission_error", code: "address_not_allowed")
    }
    static func modelNotAllowed(_ message: String) -> APIError {
        APIError(status: .forbidden, message: message, type: "permission_error", code: "model_not_allowed", param: "model")
    }
    /// 402 like `insufficient_credits`: the caller cannot fix it by retrying (the official clients
    /// retry a 429 on their own).
    static func budgetExceeded(_ message: String) -> APIError {
        APIError(status: .init(code: 402, reasonPhrase: "Payment Required"), message: message, type: "insufficient_quota",
                 code: "budget_exceeded")
    }
    static func rateLimitExceeded(_ message: String, retryAfter: Duration, headers: RateHeaders) -> APIError {
        var error = APIError(status: .tooManyRequests, message: message, type: "rate_limit_error", code: "rate_limit_exceeded")
        error.headers[HTTPFields.Element.Name("retry-after")!] = String(retryAfter.retryAfterSeconds)
        error.headers.append(rateHeaders: headers)
        return error
    }
}

extension Duration {
    /// Whole seconds, rounded up, at least 1: what `Retry-After` says.
    var retryAfterSeconds: Int {
        max(1, Int((Double(components.seconds) + Double(components.attoseconds) / 1e18).rounded(.up)))
    }
}

extension HTTPFields {
    mutating func append(rateHeaders: RateHeaders) {
        for (name, value) in rateHeaders.fields { self[HTTPFields.Element.Name(name)!] = value }
    }
}
