import Foundation
import HubCore
import Logging
import ServiceLifecycle

/// Keeps the budget book in step with the configuration and the database: on every poll it
/// re-reads the test clock's offset and, when the configuration changed, takes the new budgets
/// (loading the spend of new ones); every `resyncInterval` it compares every budget's spend with
/// the usage events (so the spend of other hub processes on the database is seen).
final class GovernanceSync: Service {
    let gateway: Gateway
    let interval: Duration
    let resyncInterval: Duration

    init(gateway: Gateway, interval: Duration, resyncInterval: Duration = .seconds(30)) {
        self.gateway = gateway; self.interval = interval; self.resyncInterval = resyncInterval
    }

    func run() async throws {
        let governance = gateway.governance
        var marker = gateway.config.snapshot.catalog.marker
        var lastResync = ContinuousClock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            governance.clock.refresh()
            let snapshot = gateway.config.snapshot
            let resync = ContinuousClock.now - lastResync >= resyncInterval
            if snapshot.catalog.marker != marker || resync {
                do {
                    try await Self.configure(governance.budgets, snapshot: snapshot, store: gateway.store, now: governance.clock.now(),
                                       all: resync)
                    if snapshot.catalog.marker != marker {
                        gateway.logger.info("governance reloaded", metadata: ["audit_id": "\(snapshot.catalog.marker.auditId)"])
                    }
                    marker = snapshot.catalog.marker
                    if resync { lastResync = .now }
                } catch {
                    gateway.logger.error("cannot load budget spend: \(error)")
                }
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Gives `book` the snapshot's budgets, with the spend of new ones (or of all) from the database.
    static func configure(_ book: BudgetBook, snapshot: ConfigSnapshot, store: HubStore, now: Date, all: Bool) async throws(HubError) {
        let governance = snapshot.catalog.governance
        let known = book.budgetIds
        // After a mode switch every budget counts in the other unit: load them all again.
        let load = all || book.mode != snapshot.mode ? governance.budgets : governance.budgets.filter { !known.contains($0.id ?? 0) }
        let spends = load.isEmpty ? [:] : try await GovernanceSpend.current(load, settings: snapshot.settings, now: now, store)
        book.configure(governance, settings: snapshot.settings, spends: spends, now: now)
    }
}
