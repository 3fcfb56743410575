import ServiceLifecycle

/// A service that ends when `stop()` is called, and with it, gracefully, the service group it runs in:
/// the demo's way to stop its servers as SIGTERM stops `serve`.
///
/// Cancelling a Hummingbird server instead is unsafe: a connection it has accepted but not yet taken
/// up traps in NIO's debug builds ("Deinited NIOAsyncWriter without calling finish()",
/// apple/swift-nio#3481). A graceful shutdown closes such connections properly.
struct StopSwitch: Service {
    private let requests: AsyncStream<Void>
    private let requester: AsyncStream<Void>.Continuation

    init() { (requests, requester) = AsyncStream.makeStream(of: Void.self) }

    func run() async {
        // Ends on `stop()`, or with the group when something else shuts it down.
        await cancelWhenGracefulShutdown { for await _ in requests {} }
    }

    /// Asks the group to shut down; returns at once.
    func stop() { requester.finish() }
}
