import HubCore

/// Chooses credentials by smooth weighted round-robin (nginx style) and remembers what upstreams
/// said about them: a 429 lowers a credential's weight to a tenth for `cooldown`; a 401/403 takes
/// it out of rotation here at once (the database is updated too, by the caller).
actor CredentialBalancer {
    private struct State {
        var current = 0
        var throttledUntil: ContinuousClock.Instant?
    }

    private var states: [Int64: State] = [:]
    private var refused: Set<Int64> = []
    let cooldown: Duration

    init(cooldown: Duration = .seconds(180)) { self.cooldown = cooldown }

    /// The next credential among `candidates` (enabled ones only), skipping `excluded`.
    func pick(_ candidates: [HubCatalog.Credential], excluding excluded: Set<Int64>) -> HubCatalog.Credential? {
        let now = ContinuousClock.now
        var total = 0
        var best: (credential: HubCatalog.Credential, current: Int)?
        for credential in candidates where credential.enabled && !excluded.contains(credential.id)
            && !refused.contains(credential.id) {
            var state = states[credential.id] ?? State()
            var weight = max(credential.weight, 0)
            if let until = state.throttledUntil {
                if until > now { weight = max(weight / 10, 1) } else { state.throttledUntil = nil }
            }
            guard weight > 0 else { continue }
            state.current += weight
            total += weight
            states[credential.id] = state
            if best == nil || state.current > best!.current { best = (credential, state.current) }
        }
        guard let best else { return nil }
        states[best.credential.id]?.current -= total
        return best.credential
    }

    /// The upstream said 429 for this credential.
    func throttled(_ id: Int64) { states[id, default: State()].throttledUntil = ContinuousClock.now + cooldown }

    /// The upstream refused this credential (401/403).
    func refusedCredential(_ id: Int64) { refused.insert(id) }

    /// A new configuration was loaded: it is the truth about which credentials are enabled.
    func configurationChanged() { refused.removeAll() }
}
