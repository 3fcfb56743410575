import Foundation
import HubCore
import NIOCore
import NIOPosix

/// One admin-socket connection: checks the peer, answers its requests one at a time in order
/// (the blocking work runs on a thread pool, never on the event loop), and streams
/// notifications while it is subscribed.
///
/// Backpressure: a client that does not read its responses stops being read from (at most
/// `requestBacklog` lines wait); a subscriber's notifications wait in a queue of at most
/// `subscriberQueueBytes` while its socket is full, and beyond that the subscriber is sent a
/// `subscription.dropped` notice and disconnected. Nothing waits on the client elsewhere.
final class AdminConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = LineFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Limits: Sendable {
        var requestBacklog: Int
        var subscriberQueueBytes: Int
        /// How long a dropped subscriber has to take its notice before the connection is closed.
        var dropGrace: TimeAmount
    }

    private let router: AdminRequestRouter
    private let fanout: NotificationFanout
    private let policy: AdminPeerPolicy
    private let threadPool: NIOThreadPool
    private let limits: Limits

    /// Set once the peer is admitted: who is acting, for the audit log.
    private var actor: String?
    private var requests = CircularBuffer<LineFrame>()
    private var busy = false
    private var readHeld = false
    private var inputClosed = false
    private var closing = false
    private var subscription: Int?
    private var notifications = CircularBuffer<ByteBuffer>()
    private var queuedBytes = 0

    init(router: AdminRequestRouter, fanout: NotificationFanout, policy: AdminPeerPolicy,
         threadPool: NIOThreadPool, limits: Limits) {
        self.router = router
        self.fanout = fanout
        self.policy = policy
        self.threadPool = threadPool
        self.limits = limits
    }

    // MARK: - Lifecycle

    func channelActive(context: ChannelHandlerContext) {
        PeerCredentials.of(context.channel).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let peer) where self.policy.allows(peer):
                self.actor = AdminActor.osUser(uid: peer.uid, via: "socket")
                self.pump(context)
            case .success(let peer):
                self.fail(context, RPCFailure(self.policy.refusal(of: peer), id: nil))
            case .failure(let error):
                self.fail(context, RPCFailure(HubError(.permissionDenied, "cannot read the peer's credentials: \(error)"), id: nil))
            }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        unsubscribe()
        closing = true
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent {
            inputClosed = true
            if closing {
                context.close(promise: nil)   // the peer is done reading our last message
            } else {
                pump(context)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        unsubscribe()
        closing = true
        context.close(promise: nil)
    }

    // MARK: - Requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        requests.append(unwrapInboundIn(data))
        pump(context)
    }

    /// Holds reading while too many requests wait (the client is not reading our responses).
    func read(context: ChannelHandlerContext) {
        if requests.count >= limits.requestBacklog {
            readHeld = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            while context.channel.isWritable, let line = notifications.popFirst() {
                queuedBytes -= line.readableBytes
                context.write(wrapOutboundOut(line), promise: nil)
            }
            context.flush()
            pump(context)
        }
        context.fireChannelWritabilityChanged()
    }

    /// Starts the waiting requests when the peer is admitted, none is running and the peer
    /// reads: up to `batchSize` lines go to the thread pool together (one hop for many small
    /// requests) and are answered in order.
    private func pump(_ context: ChannelHandlerContext) {
        guard let actor, !closing, !busy else { return }
        if readHeld, requests.count < limits.requestBacklog / 2 {
            readHeld = false
            context.read()
        }
        guard context.channel.isWritable, !requests.isEmpty else {
            if inputClosed, requests.isEmpty, subscription == nil { close(context) }
            return
        }
        var lines: [Data] = []
        while lines.count < Self.batchSize, case .line(let buffer)? = requests.first {
            requests.removeFirst()
            let line = Data(buffer.readableBytesView)
            if line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) { lines.append(line) }   // blank lines are ignored
        }
        guard !lines.isEmpty else {
            if case .tooLong? = requests.first {
                let limit = AdminWire.maxRequestLine
                fail(context, RPCFailure.invalidRequest("the request line is longer than \(limit) bytes: closing the connection", id: nil))
            } else {
                pump(context)
            }
            return
        }
        busy = true
        let router = self.router
        let batch = lines
        let outcomes = context.eventLoop.makePromise(of: [AdminRequestRouter.Outcome].self)
        outcomes.completeWithTask {
            var outcomes: [AdminRequestRouter.Outcome] = []
            for line in batch { outcomes.append(await router.route(line, actor: actor)) }
            return outcomes
        }
        outcomes.futureResult.assumeIsolated().whenComplete { result in
                self.busy = false
                guard !self.closing else { return }
                switch result {
                case .success(let outcomes):
                    for outcome in outcomes {
                        self.apply(outcome.subscription, context)
                        if let response = outcome.response {
                            context.write(self.wrapOutboundOut(context.channel.allocator.buffer(bytes: response)), promise: nil)
                        }
                    }
                    context.flush()
                    self.pump(context)
                case .failure(let error):   // never: routing does not throw
                    self.fail(context, RPCFailure(HubError(.unavailable, "the hub is shutting down: \(error)"), id: nil))
                }
            }
    }

    /// Request lines handed to the thread pool at once.
    private static let batchSize = 32

    /// Writes an error response (id null) and closes the connection once it is sent.
    private func fail(_ context: ChannelHandlerContext, _ failure: RPCFailure) {
        guard !closing else { return }
        closing = true
        unsubscribe()
        let line = context.channel.allocator.buffer(bytes: AdminWire.errorLine(failure))
        closeAfter(context.writeAndFlush(wrapOutboundOut(line)), context)
    }

    private func close(_ context: ChannelHandlerContext) {
        closing = true
        context.close(promise: nil)
    }

    /// Once `write` is sent, closes our side (the peer reads it, then end of stream) and drains
    /// the peer's input until it closes too: closing with unread input would reset the
    /// connection and could destroy the message before the peer reads it. A peer that neither
    /// reads nor closes is cut off after the grace period.
    private func closeAfter(_ write: EventLoopFuture<Void>, _ context: ChannelHandlerContext) {
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: limits.dropGrace) { context.close(promise: nil) }
        context.channel.closeFuture.whenComplete { _ in timer.cancel() }
        write.assumeIsolated().whenComplete { result in
            switch result {
            case .success: context.close(mode: .output, promise: nil)
            case .failure: context.close(promise: nil)
            }
        }
    }

    // MARK: - Subscription

    private func apply(_ change: AdminRequestRouter.SubscriptionChange?, _ context: ChannelHandlerContext) {
        switch change {
        case .subscribe(let mode)? where subscription == nil:
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            let loop = context.eventLoop
            subscription = fanout.add(mode) { line in
                loop.execute { bound.value.handler.deliver(line, bound.value.context) }
            }
        case .unsubscribe?:
            unsubscribe()
            notifications.removeAll()
            queuedBytes = 0
        default:
            break
        }
    }

    private func unsubscribe() {
        if let subscription { fanout.remove(subscription) }
        subscription = nil
    }

    /// A notification for this subscriber, on its event loop.
    private func deliver(_ line: ByteBuffer, _ context: ChannelHandlerContext) {
        guard subscription != nil, !closing else { return }
        if notifications.isEmpty, context.channel.isWritable {
            context.writeAndFlush(wrapOutboundOut(line), promise: nil)
            return
        }
        notifications.append(line)
        queuedBytes += line.readableBytes
        guard queuedBytes > limits.subscriberQueueBytes else { return }
        // Too slow: tell it why and let it go, without waiting for it.
        unsubscribe()
        notifications.removeAll()
        queuedBytes = 0
        closing = true
        let reason = "the subscriber fell more than \(limits.subscriberQueueBytes) bytes of notifications behind"
        let notice = context.channel.allocator.buffer(bytes: AdminWire.notificationLine(.dropped(reason: reason)))
        closeAfter(context.writeAndFlush(wrapOutboundOut(notice)), context)
    }
}
