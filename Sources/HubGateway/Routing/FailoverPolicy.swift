/// Whether a call that did not give a usable answer may go to another credential or provider.
/// Pure: one attempt's outcome in, a decision out. The rule: a call is tried elsewhere only when
/// the upstream never accepted it (no connection, or a refusal status before any answer), because
/// an accepted call may be running and billed upstream even if its answer never arrives.
enum FailoverPolicy {
    /// What one attempt came to.
    enum Outcome: Equatable {
        /// An answer head with this status arrived (the body is not read yet).
        case status(Int)
        case failure(UpstreamFailure)
    }

    /// What to do with the credential that was used.
    enum CredentialAction: Equatable {
        case keep
        /// A 429: lower its weight for a while.
        case throttle
        /// A 401/403: take it out of rotation and disable it.
        case disable
    }

    /// How the client is answered when the hub gives up on this call.
    enum Failure: Equatable {
        /// Pass the upstream's own refusal on (a 4xx about the request itself).
        case passThrough(status: Int)
        /// 504: the upstream accepted the call and went silent. The hub assumes it was billed.
        case timedOutAfterAcceptance
        /// 502: the upstream accepted the call and the answer was lost. The hub assumes it was billed.
        case lostAfterAcceptance
        /// 502: the answer is larger than the hub accepts. Billed upstream, so assumed.
        case answerTooLarge
    }

    enum Decision: Equatable {
        /// A 2xx: use the answer.
        case use
        /// Never accepted: try the next credential or provider, within the attempt budget.
        case tryElsewhere(CredentialAction)
        case fail(Failure)
    }

    static func decide(_ outcome: Outcome) -> Decision {
        switch outcome {
        case .status(let status) where (200..<300).contains(status): .use
        case .status(429): .tryElsewhere(.throttle)
        case .status(401), .status(403): .tryElsewhere(.disable)
        case .status(408), .status(500...): .tryElsewhere(.keep)
        case .status(let status): .fail(.passThrough(status: status))
        case .failure(.notConnected): .tryElsewhere(.keep)
        case .failure(.timedOut): .fail(.timedOutAfterAcceptance)
        case .failure(.broken): .fail(.lostAfterAcceptance)
        case .failure(.tooLarge): .fail(.answerTooLarge)
        }
    }
}
