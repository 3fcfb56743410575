import NIOCore
import NIOHTTPTypes

/// How long a client connection may take over each part of a request.
struct ConnectionTimeouts: Sendable, Equatable {
    /// From the first byte of a request to the end of its head.
    var header: Duration
    /// From the end of a head to the end of its body (the whole body, however it trickles in).
    var body: Duration
    /// A keep-alive connection with no request in progress.
    var idle: Duration
}

/// The phase of one connection and the deadline it is under: pure, driven by what the channel
/// handler sees (bytes arriving, request parts read, response ends written).
struct ConnectionPhase: Equatable {
    enum Phase: Equatable {
        case idle(since: NIODeadline)
        case head(since: NIODeadline)
        case body(since: NIODeadline)
        /// The request was read; the hub is answering (no deadline: upstream timeouts apply).
        case responding
    }

    enum Expiry: Equatable { case header, body, idle }

    let timeouts: ConnectionTimeouts
    private(set) var phase: Phase
    /// Request heads read whose response has not ended yet.
    private var responsesOwed = 0
    private var bodyOpen = false

    init(timeouts: ConnectionTimeouts, now: NIODeadline) {
        self.timeouts = timeouts
        phase = .idle(since: now)
    }

    mutating func bytesArrived(now: NIODeadline) {
        if case .idle = phase { phase = .head(since: now) }
    }

    mutating func headRead(now: NIODeadline) {
        responsesOwed += 1
        bodyOpen = true
        phase = .body(since: now)
    }

    mutating func endRead(now: NIODeadline) {
        bodyOpen = false
        phase = responsesOwed > 0 ? .responding : .idle(since: now)
    }

    /// A response ended. One answered early (a 401 before its body) keeps the body deadline running.
    mutating func responseEnded(now: NIODeadline) {
        responsesOwed = max(0, responsesOwed - 1)
        if !bodyOpen && responsesOwed == 0 { phase = .idle(since: now) }
    }

    var deadline: (at: NIODeadline, kind: Expiry)? {
        switch phase {
        case .idle(let since): (since + TimeAmount(timeouts.idle), .idle)
        case .head(let since): (since + TimeAmount(timeouts.header), .header)
        case .body(let since): (since + TimeAmount(timeouts.body), .body)
        case .responding: nil
        }
    }
}

/// Enforces ``ConnectionTimeouts`` on one HTTP/1 connection: a slow head, a slow body or an idle
/// keep-alive connection is closed and counted. Sits after Hummingbird's HTTP decoding and adds a
/// small observer at the front of the pipeline to learn when a request's first byte arrives.
final class ConnectionDeadlines: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var state: ConnectionPhase
    private let counters: EdgeCounters
    private var timer: Scheduled<Void>?
    private var timerAt: NIODeadline?
    private weak var context: ChannelHandlerContext?

    init(timeouts: ConnectionTimeouts, counters: EdgeCounters) {
        state = ConnectionPhase(timeouts: timeouts, now: .now())
        self.counters = counters
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        try? context.pipeline.syncOperations.addHandler(FirstByteObserver(owner: self), position: .first)
        state = ConnectionPhase(timeouts: state.timeouts, now: .now())
        arm(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: state.headRead(now: .now())
        case .body: break
        case .end: state.endRead(now: .now())
        }
        arm(context)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            state.responseEnded(now: .now())
            arm(context)
        }
        context.write(data, promise: promise)
    }

    fileprivate func bytesArrived() {
        guard case .idle = state.phase, let context else { return }
        state.bytesArrived(now: .now())
        arm(context)
    }

    /// Makes sure a timer fires no later than the current deadline (one timer per connection).
    private func arm(_ context: ChannelHandlerContext) {
        guard let deadline = state.deadline?.at else { return }
        if let timerAt, timerAt <= deadline, timer != nil { return }
        timer?.cancel()
        timerAt = deadline
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [weak self] in
            self?.fired()
        }
    }

    private func fired() {
        timer = nil
        timerAt = nil
        guard let context, let (deadline, kind) = state.deadline else { return }
        guard deadline <= .now() else { return arm(context) }
        switch kind {
        case .header: counters.headerTimeouts.add(1, ordering: .relaxed)
        case .body: counters.bodyTimeouts.add(1, ordering: .relaxed)
        case .idle: counters.idleTimeouts.add(1, ordering: .relaxed)
        }
        context.close(promise: nil)
    }
}

/// Tells ``ConnectionDeadlines`` that bytes arrived, before the HTTP decoder has a whole head.
private final class FirstByteObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private weak var owner: ConnectionDeadlines?

    init(owner: ConnectionDeadlines) { self.owner = owner }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        owner?.bytesArrived()
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension ConnectionDeadlines: Sendable {}
