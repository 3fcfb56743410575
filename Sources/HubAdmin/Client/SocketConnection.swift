import Foundation
import HubCore
import NIOCore
import NIOPosix

/// A ``HubConnection`` to a running hub's admin socket.
///
/// Each call opens its own connection (a Unix socket connect costs microseconds), sends one
/// request line and reads lines until its response: no shared state, and a hub restarted between
/// two calls is simply reached again. `subscribe()` keeps a connection of its own open.
/// Everything runs on SwiftNIO's shared event loops: no thread is ever blocked waiting.
///
/// Every connection is made through ``AdminSocketProbe/connectTrusted(to:trust:)``: the socket and
/// its directory must belong to a trusted account and be closed to others, and the server must run
/// as such an account (`SO_PEERCRED`), before a byte is sent.
public struct SocketConnection: HubConnection {
    public let path: String
    /// Whose socket this connection will talk to (by default: this account's or root's).
    public var trust: PrivatePath.Trust
    /// The longest response line read (results such as `users.list` can be large).
    public var maxResponseLine = 512 << 20

    public init(path: String, trust: PrivatePath.Trust = .client()) {
        self.path = path
        self.trust = trust
    }

    public var endpoint: HubEndpoint { .socket(path) }

    public func call<M: AdminMethod>(_ method: M) async throws(HubError) -> M.Result {
        let request = try AdminWire.requestLine(id: 1, method: M.name, params: method)
        let response = try await exchange(request, id: .integer(1))
        return try response.value(M.Result.self)
    }

    public func subscribe(_ mode: SubscriptionMode) async throws(HubError) -> AsyncThrowingStream<HubNotification, any Error> {
        let request = try AdminWire.requestLine(id: 1, method: "usage.subscribe", params: SubscribeParams(mode))
        let channel = try await connect()
        let (stream, continuation) = AsyncThrowingStream.makeStream(
            of: HubNotification.self, bufferingPolicy: .bufferingNewest(10_000))
        let acknowledged = SubscriptionAck()
        let task = Task {
            do {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(bytes: request))
                    for try await frame in inbound {
                        guard case .line(let line) = frame else { throw HubError(.internal, "the hub sent an over-long line") }
                        let message = try RPCIncoming.parse(Data(line.readableBytesView))
                        if !message.isNotification {
                            _ = try message.value(Done.self)   // the subscription's answer; throws its error
                            await acknowledged.succeed()
                            continue
                        }
                        guard let method = message.method,
                              let notification = try HubNotification(rpcMethod: method, params: message.params) else { continue }
                        continuation.yield(notification)
                        if case .dropped = notification { return }
                    }
                    throw HubError(.unavailable, "the hub at \(path) closed the subscription")
                }
                continuation.finish()
            } catch {
                await acknowledged.fail(Self.hubError(error, path: path))
                continuation.finish(throwing: Self.hubError(error, path: path))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        do {
            try await acknowledged.wait()
        } catch {
            task.cancel()
            throw error
        }
        return stream
    }

    // MARK: - Plumbing

    /// Sends one request line and returns the response with `id`, skipping notifications.
    func exchange(_ request: Data, id: JSONValue) async throws(HubError) -> RPCIncoming {
        let channel = try await connect()
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(bytes: request))
                for try await frame in inbound {
                    guard case .line(let line) = frame else { throw HubError(.internal, "the hub sent an over-long line") }
                    let message = try RPCIncoming.parse(Data(line.readableBytesView))
                    // An error with a null id answers whatever was sent (e.g. the peer was refused).
                    if message.id == id || (message.error != nil && (message.id ?? .null) == .null) { return message }
                }
                throw HubError(.unavailable, "the hub at \(path) closed the connection without answering")
            }
        } catch {
            throw Self.hubError(error, path: path)
        }
    }

    private func connect() async throws(HubError) -> NIOAsyncChannel<LineFrame, ByteBuffer> {
        let maxLine = maxResponseLine
        let fd = try AdminSocketProbe.connectTrusted(to: path, trust: trust)
        do {
            return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                // A hub that refuses us answers, then closes its side: read the answer first.
                .channelOption(.allowRemoteHalfClosure, value: true)
                .withConnectedSocket(fd) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder(maxLength: maxLine)))
                        return try NIOAsyncChannel<LineFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch let error as IOError {
            throw HubError(.unavailable, "no hub answers on \(path): \(String(cString: strerror(error.errnoCode)))")
        } catch {
            throw HubError(.unavailable, "no hub answers on \(path): \(error)")
        }
    }

    static func hubError(_ error: any Error, path: String) -> HubError {
        switch error {
        case let error as HubError: error
        case is CancellationError: HubError(.unavailable, "cancelled")
        default: HubError(.unavailable, "lost the connection to the hub at \(path): \(error)")
        }
    }
}

/// Resolves once, when the hub has answered `usage.subscribe` (or the connection failed first).
private actor SubscriptionAck {
    private var outcome: Result<Void, HubError>?
    private var waiters: [CheckedContinuation<Result<Void, HubError>, Never>] = []

    func succeed() { resolve(.success(())) }
    func fail(_ error: HubError) { resolve(.failure(error)) }

    func wait() async throws(HubError) {
        let result: Result<Void, HubError> = if let outcome {
            outcome
        } else {
            await withCheckedContinuation { waiters.append($0) }
        }
        try result.get()
    }

    private func resolve(_ result: Result<Void, HubError>) {
        guard outcome == nil else { return }
        outcome = result
        for waiter in waiters { waiter.resume(returning: result) }
        waiters.removeAll()
    }
}
