import HubCore
import Synchronization

/// One immutable view of the configuration the gateway routes and bills by, indexed for the hot
/// path. A request takes the snapshot current when it starts and keeps it to the end, so a mode
/// switch applies to requests that start after it.
public final class ConfigSnapshot: Sendable {
    struct RateKey: Hashable {
        var providerId: Int64
        var model: String
        var type: ModelType
    }

    let catalog: HubCatalog
    let providersById: [Int64: Provider]
    let providersByName: [String: Provider]
    let credentialsByProvider: [Int64: [HubCatalog.Credential]]
    let rates: [RateKey: ModelRate]
    /// Bare model name → current rates offering it, in provider id order.
    let ratesByModel: [String: [ModelRate]]

    var settings: HubSettings { catalog.settings }
    var mode: DeploymentMode { catalog.settings.mode }

    init(_ catalog: HubCatalog) {
        self.catalog = catalog
        providersById = Dictionary(uniqueKeysWithValues: catalog.providers.compactMap { p in p.id.map { ($0, p) } })
        providersByName = Dictionary(catalog.providers.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        credentialsByProvider = Dictionary(grouping: catalog.credentials, by: \.providerId)
        rates = Dictionary(catalog.rates.map { (RateKey(providerId: $0.providerId, model: $0.model, type: $0.type), $0) },
                           uniquingKeysWith: { a, _ in a })
        ratesByModel = Dictionary(grouping: catalog.rates.sorted { $0.providerId < $1.providerId }, by: \.model)
    }

    func rate(provider: Int64, model: String, type: ModelType) -> ModelRate? {
        rates[RateKey(providerId: provider, model: model, type: type)]
    }

    func providerName(_ id: Int64?) -> String {
        id.flatMap { providersById[$0]?.name } ?? "none"
    }
}

/// Holds the current snapshot. Readers copy one reference under the mutex; the watcher swaps it.
public final class ConfigHolder: Sendable {
    private let current: Mutex<ConfigSnapshot>

    init(_ snapshot: ConfigSnapshot) { current = Mutex(snapshot) }

    var snapshot: ConfigSnapshot { current.withLock { $0 } }

    func replace(_ snapshot: ConfigSnapshot) { current.withLock { $0 = snapshot } }
}
