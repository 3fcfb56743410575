import HubCore
import NIOCore
import PostgresNIO

/// Tells a node when another node may have changed the hub: `LISTEN aigne_hub_changes` on a
/// connection of its own (not a pooled one), fed by the triggers of the
/// "cluster: change notifications" migration (every insert into `audit_log` or `ledger`).
///
/// ``changes()`` yields ``Change/listening`` each time the connection is (re)established, and
/// ``Change/notified`` for each notification. A dropped connection is reopened after
/// ``retryDelay`` (doubling up to ``maximumRetryDelay`` while the server stays away); whatever was
/// notified meanwhile is lost, which is why `listening` comes again after a reconnect: re-read
/// everything then. The gateway polls as well, so a missed notification costs latency, never
/// correctness.
///
/// ```swift
/// for await change in PostgresChangeListener(location: location).changes() {
///     await configuration.reload()   // either kind of change: re-read
/// }
/// ```
package struct PostgresChangeListener: Sendable {
    package enum Change: Sendable, Equatable {
        /// Listening (again): anything may have changed while this node was not.
        case listening
        /// Another transaction (on any node) committed a change.
        case notified
    }

    package let location: PostgresLocation
    package var retryDelay: Duration = .milliseconds(200)
    package var maximumRetryDelay: Duration = .seconds(5)

    package init(location: PostgresLocation) {
        self.location = location
    }

    /// The changes, for as long as the stream is iterated: ending the iteration (or cancelling
    /// its task) closes the connection.
    package func changes() -> AsyncStream<Change> {
        let (stream, continuation) = AsyncStream.makeStream(of: Change.self, bufferingPolicy: .bufferingNewest(64))
        let listener = self
        let task = Task {
            var delay = listener.retryDelay
            while !Task.isCancelled {
                if await listener.listenOnce(continuation) { delay = listener.retryDelay }
                guard !Task.isCancelled else { break }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, listener.maximumRetryDelay)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// One connection's life: connect, LISTEN, yield until the connection drops or the task is
    /// cancelled. True when it got as far as listening (the retry delay starts over).
    private func listenOnce(_ continuation: AsyncStream<Change>.Continuation) async -> Bool {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: location.connectionConfiguration(connectTimeout: .seconds(5)), id: 1, logger: PostgresStore.quiet)
        } catch {
            return false
        }
        var listened = false
        await withTaskCancellationHandler {
            do {
                try await connection.listen(on: PostgresSchema.changesChannel) { notifications in
                    listened = true
                    continuation.yield(.listening)
                    for try await _ in notifications { continuation.yield(.notified) }
                }
            } catch {
                // The connection dropped (or LISTEN failed): the caller waits, then reconnects.
            }
        } onCancel: {
            connection.close().whenComplete { _ in }
        }
        try? await connection.close()
        return listened
    }
}
