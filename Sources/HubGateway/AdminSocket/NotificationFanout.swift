import Foundation
import HubCore
import Logging
import NIOCore
import Synchronization

/// Shares one notification stream (by default a ``DatabaseFeed``) among every subscriber of the admin socket: each notification is
/// encoded once and handed to each subscriber's delivery function, which must not block (the
/// connection handlers queue it on their event loop, boundedly). A slow subscriber therefore
/// never slows the feed or the other subscribers.
final class NotificationFanout: Sendable {
    typealias Delivery = @Sendable (ByteBuffer) -> Void

    private struct State {
        var nextID = 0
        var subscribers: [Int: Delivery] = [:]
    }

    private let state = Mutex(State())

    /// Registers a subscriber; returns its id for ``remove(_:)``.
    func add(_ delivery: @escaping Delivery) -> Int {
        state.withLock { state in
            state.nextID += 1
            state.subscribers[state.nextID] = delivery
            return state.nextID
        }
    }

    func remove(_ id: Int) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }

    var count: Int { state.withLock { $0.subscribers.count } }

    func broadcast(_ notification: HubNotification) {
        let targets = state.withLock { Array($0.subscribers.values) }
        guard !targets.isEmpty else { return }
        let line = ByteBuffer(bytes: AdminWire.notificationLine(notification))
        for deliver in targets { deliver(line) }
    }

    /// Forwards the source's notifications to the subscribers until cancelled; a failing stream
    /// (e.g. the database is busy) is logged and restarted after a second.
    func run(_ source: AdminSocketServer.NotificationSource, logger: Logger) async {
        while !Task.isCancelled {
            do {
                for try await notification in source() { broadcast(notification) }
            } catch {
                if Task.isCancelled || error is CancellationError { return }
                logger.warning("admin socket: the live feed failed, restarting: \(error)")
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
