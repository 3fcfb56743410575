import HubCore

/// One place a request may go: a provider, the model name it knows, and the hub's rate for it.
struct RouteCandidate: Sendable {
    var provider: Provider
    var upstreamModel: String
    var rate: ModelRate?
}

/// Resolves a client's model name: `provider/model` names one provider; a bare name goes to every
/// enabled provider with a rate for it (in provider order, for failover); an unpriced bare name
/// goes to the enabled providers of the kind that plausibly serves it. In service-provider mode,
/// unpriced candidates are dropped unless the settings allow unpriced models.
enum ModelResolver {
    static func resolve(_ requested: String, type: ModelType, in snapshot: ConfigSnapshot) throws(APIError) -> [RouteCandidate] {
        var candidates: [RouteCandidate] = []
        if let slash = requested.firstIndex(of: "/"),
           let provider = snapshot.providersByName[requested[..<slash].lowercased()] {
            let model = String(requested[requested.index(after: slash)...])
            guard provider.enabled else { throw APIError.modelNotFound("provider '\(provider.name)' is disabled") }
            guard Adapters.forKind(provider.kind) != nil else {
                throw APIError.modelNotFound("provider '\(provider.name)' is of kind \(provider.kind.rawValue), which this hub does not route yet")
            }
            candidates = [RouteCandidate(provider: provider, upstreamModel: model,
                                         rate: snapshot.rate(provider: provider.id ?? 0, model: model, type: type))]
        } else {
            for rate in snapshot.ratesByModel[requested] ?? [] where rate.type == type {
                if let provider = snapshot.providersById[rate.providerId], provider.enabled, Adapters.forKind(provider.kind) != nil {
                    candidates.append(RouteCandidate(provider: provider, upstreamModel: requested, rate: rate))
                }
            }
            if candidates.isEmpty {
                let kind: ProviderKind = requested.lowercased().hasPrefix("claude") ? .anthropic : .openAICompatible
                candidates = snapshot.catalog.providers.filter { $0.enabled && $0.kind == kind && (type == .chat || kind == .openAICompatible) }
                    .map { RouteCandidate(provider: $0, upstreamModel: requested, rate: nil) }
            }
        }
        guard !candidates.isEmpty else {
            throw APIError.modelNotFound("the model '\(requested)' does not exist or no enabled provider offers it")
        }
        if snapshot.mode == .serviceProvider && !snapshot.settings.allowUnpricedModels {
            candidates.removeAll { $0.rate == nil }
            guard !candidates.isEmpty else {
                throw APIError.modelNotFound("the model '\(requested)' has no rate, so it cannot be called on this hub")
            }
        }
        return candidates
    }
}
