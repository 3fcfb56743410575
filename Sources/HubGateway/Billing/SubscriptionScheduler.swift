import Foundation
import HubCore
import Logging
import ServiceLifecycle

/// The hub's own clock for plans: every `interval` it renews the subscriptions it sells by hand,
/// marks processor-paid ones past due when no invoice came, and expires plan credits. Each step is
/// keyed in the database, so any number of hub processes may run it at once.
struct SubscriptionScheduler: Service {
    let store: HubStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let changes = try await Subscriptions.advance(store)
                for change in changes {
                    logger.info("subscription \(change.kind.rawValue)", metadata: [
                        "subscription": "\(change.subscriptionId)", "user": "\(change.userId)",
                    ])
                }
            } catch {
                logger.error("the subscription scheduler failed: \(error)")
            }
            // Shutdown does not wait for the next tick.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

extension Gateway {
    /// The billing services `serve` runs beside the HTTP server.
    var billingServices: [any Service] {
        [SubscriptionScheduler(store: store, interval: .seconds(30), logger: logger),
         NoticeDeliverer(store: store, sealer: sealer, interval: .milliseconds(500), logger: logger)]
    }
}
