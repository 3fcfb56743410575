import Foundation
import HubCore
import Logging
import NIOCore
import Synchronization

/// Shares one notification stream (by default a ``DatabaseFeed``) among every subscriber of the admin
/// socket: each notification is encoded once and handed to each subscriber's delivery function, which
/// must not block (the connection handlers queue it on their event loop, boundedly). A slow subscriber
/// therefore never slows the feed or the other subscribers.
///
/// Subscribers of every event get all of them. Summary subscribers (``SubscriptionMode/summary(tailPerSecond:)``)
/// get the stats ticks, admin changes and, between two ticks, the first `tailPerSecond` usage events:
/// what they cost does not grow with the traffic.
final class NotificationFanout: Sendable {
    typealias Delivery = @Sendable (ByteBuffer) -> Void

    private struct Subscriber {
        var delivery: Delivery
        /// nil: every event; else the usage events a tick it may still be sent.
        var tailPerSecond: Int?
        var tailLeft = 0
    }

    private struct State {
        var nextID = 0
        var subscribers: [Int: Subscriber] = [:]
    }

    private let state = Mutex(State())

    /// Registers a subscriber; returns its id for ``remove(_:)``.
    func add(_ mode: SubscriptionMode = .everyEvent, _ delivery: @escaping Delivery) -> Int {
        state.withLock { state in
            state.nextID += 1
            let perSecond: Int? = switch mode {
            case .everyEvent: nil
            case .summary(let perSecond): perSecond
            }
            state.subscribers[state.nextID] = Subscriber(delivery: delivery, tailPerSecond: perSecond, tailLeft: perSecond ?? 0)
            return state.nextID
        }
    }

    func remove(_ id: Int) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }

    var count: Int { state.withLock { $0.subscribers.count } }

    func broadcast(_ notification: HubNotification) {
        let targets: [Delivery] = state.withLock { state in
            var targets: [Delivery] = []
            for (id, subscriber) in state.subscribers {
                guard let perSecond = subscriber.tailPerSecond else {
                    targets.append(subscriber.delivery)
                    continue
                }
                switch notification {
                case .usage:
                    guard subscriber.tailLeft > 0 else { continue }
                    state.subscribers[id]!.tailLeft -= 1
                case .ledger:
                    continue
                case .stats:
                    state.subscribers[id]!.tailLeft = perSecond
                case .config, .dropped:
                    break
                }
                targets.append(subscriber.delivery)
            }
            return targets
        }
        guard !targets.isEmpty else { return }
        let line = ByteBuffer(bytes: AdminWire.notificationLine(notification))
        for deliver in targets { deliver(line) }
    }

    /// Forwards the source's notifications to the subscribers until cancelled; a failing stream
    /// (e.g. the database is busy) is logged and restarted after a second.
    func run(_ source: AdminSocketServer.NotificationSource, logger: Logger) async {
        while !Task.isCancelled {
            do {
                for try await notification in await source() { broadcast(notification) }
            } catch {
                if Task.isCancelled || error is CancellationError { return }
                logger.warning("admin socket: the live feed failed, restarting: \(error)")
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
