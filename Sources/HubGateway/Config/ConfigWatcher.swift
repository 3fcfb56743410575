import HubCore
import Logging
import ServiceLifecycle

/// Keeps the gateway's memory in step with the database, whoever writes it (the CLI, the console,
/// another node): every `interval` — or at once when the database announces a change (PostgreSQL's
/// LISTEN/NOTIFY; polling alone on SQLite) — it compares the ``ChangeMarker`` and reloads the
/// configuration when it moved, and tails the ledger for balance changes. Both are single indexed reads.
final class ConfigWatcher: Service {
    let store: HubStore
    let sealer: SecretSealer
    let config: ConfigHolder
    let credits: CreditBook
    let balancer: CredentialBalancer
    let interval: Duration
    let logger: Logger
    /// The last ledger entry the start-up balances included: tailing resumes right after it, so an
    /// entry committed between start-up and the first poll is never skipped.
    let startLedgerId: Int64

    init(store: HubStore, sealer: SecretSealer, config: ConfigHolder, credits: CreditBook,
         balancer: CredentialBalancer, interval: Duration, logger: Logger, startLedgerId: Int64) {
        self.store = store; self.sealer = sealer; self.config = config; self.credits = credits
        self.balancer = balancer; self.interval = interval; self.logger = logger; self.startLedgerId = startLedgerId
    }

    /// Loads the configuration and every balance, for start-up.
    static func initialState(store: HubStore, sealer: SecretSealer) async throws(HubError)
        -> (snapshot: ConfigSnapshot, balances: [BalanceFeed.Update], ledgerId: Int64) {
        let catalog = try await HubCatalog.load(store, sealer: sealer)
        let balances = try await BalanceFeed.all(store)
        return (ConfigSnapshot(catalog), balances.updates, balances.lastLedgerId)
    }

    func run() async throws {
        var ledgerId = startLedgerId
        let bell = Doorbell()
        let listener = store.changeNotifications().map { changes in Task { await bell.ring(on: changes) } }
        defer { listener?.cancel() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let marker = try await ChangeMarker.read(store)
                if marker != config.snapshot.catalog.marker {
                    let catalog = try await HubCatalog.load(store, sealer: sealer)
                    config.replace(ConfigSnapshot(catalog))
                    await balancer.configurationChanged()
                    logger.info("configuration reloaded", metadata: ["audit_id": "\(catalog.marker.auditId)"])
                }
                let updates = try await BalanceFeed.since(ledgerId, store)
                if let last = updates.last {
                    await credits.apply(updates)
                    ledgerId = last.ledgerId
                }
            } catch {
                logger.error("cannot refresh the configuration: \(error)")
            }
            await bell.wait(atMost: interval)
        }
    }
}
