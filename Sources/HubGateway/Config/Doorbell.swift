import Synchronization

/// Wakes a polling loop before its interval is over: ``ring()`` from anywhere, ``wait(atMost:)``
/// from the loop. A ring while nobody waits is kept for the next wait (rings do not add up).
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns after `interval`, or as soon as the bell rings (at once if it rang since the last wait).
    func wait(atMost interval: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: interval) }
            group.addTask { await self.nextRing() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns at the next ring, or when the task is cancelled.
    private func nextRing() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Checked under the lock: a cancellation that came before the waiter was stored still ends the wait.
                let resumeNow = state.withLock { state -> Bool in
                    if state.rung || Task.isCancelled {
                        state.rung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    /// Rings the bell each time `notifications` yields, until it ends or the task is cancelled.
    func ring(on notifications: AsyncStream<Void>) async {
        for await _ in notifications { ring() }
    }
}
