import NIOCore
import Synchronization

/// One stream's bytes on their way from the upstream to the client, with a byte budget: the
/// producer (the pump reading the upstream) waits while more than `limit` bytes are buffered, so
/// the hub reads an upstream no faster than its client reads the answer.
///
/// The consumer side is the ``AsyncSequence`` handed to the response. When the response drops it
/// (the client went away, or the head could not even be written), the producer learns it from its
/// next `send` (false) and stops buffering.
struct BoundedByteStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    /// What both sides share.
    final class Shared: Sendable {
        struct State {
            var buffers: [ByteBuffer] = []
            var head = 0
            var bytes = 0
            var finished = false
            var consumerGone = false
            var producer: CheckedContinuation<Bool, Never>?
            var consumer: CheckedContinuation<ByteBuffer?, Never>?
        }

        let state = Mutex(State())
        let limit: Int
        let gauge: EdgeCounters

        init(limit: Int, gauge: EdgeCounters) {
            self.limit = limit
            self.gauge = gauge
        }
    }

    /// Alive as long as the consumer side is: its end tells the producer that nobody will read.
    final class ConsumerToken: Sendable {
        let shared: Shared
        init(_ shared: Shared) { self.shared = shared }
        deinit { shared.consumerWentAway() }
    }

    private let token: ConsumerToken

    /// A stream and the producer's handle to it.
    static func make(limit: Int, gauge: EdgeCounters) -> (stream: BoundedByteStream, producer: Producer) {
        let shared = Shared(limit: limit, gauge: gauge)
        return (BoundedByteStream(token: ConsumerToken(shared)), Producer(shared: shared))
    }

    struct Producer: Sendable {
        let shared: Shared

        /// Buffers `buffer`, waiting while the budget is spent. False once the consumer is gone, or
        /// when it has not made room within `stallTimeout` (then it counts as gone: its stream ends).
        func send(_ buffer: ByteBuffer, stallTimeout: Duration? = nil) async -> Bool {
            await shared.send(buffer, stallTimeout: stallTimeout)
        }

        func finish() { shared.finish() }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let token: ConsumerToken

        func next() async -> ByteBuffer? { await token.shared.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(token: token) }
}

extension BoundedByteStream.Shared {
    func send(_ buffer: ByteBuffer, stallTimeout: Duration?) async -> Bool {
        let size = buffer.readableBytes
        enum Placed { case handed(CheckedContinuation<ByteBuffer?, Never>), buffered, gone }
        let placed: Placed = state.withLock { state in
            guard !state.consumerGone else { return .gone }
            if let consumer = state.consumer {
                state.consumer = nil
                return .handed(consumer)
            }
            state.buffers.append(buffer)
            state.bytes += size
            return .buffered
        }
        switch placed {
        case .gone: return false
        case .handed(let consumer):
            consumer.resume(returning: buffer)
            return true
        case .buffered:
            gauge.streamBufferedBytes.add(size, ordering: .relaxed)
        }
        var stallTimer: Task<Void, Never>?
        let sent = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let result: Bool? = state.withLock { state in
                if state.consumerGone { return false }
                if state.bytes <= limit { return true }
                state.producer = continuation
                return nil
            }
            if let result {
                continuation.resume(returning: result)
            } else if let stallTimeout {
                // A consumer that makes no room in time is a client that stopped reading.
                stallTimer = Task { [self] in
                    guard (try? await Task.sleep(for: stallTimeout)) != nil else { return }
                    consumerWentAway()
                }
            }
        }
        stallTimer?.cancel()
        return sent
    }

    func next() async -> ByteBuffer? {
        await withCheckedContinuation { (continuation: CheckedContinuation<ByteBuffer?, Never>) in
            let (next, producer): (ByteBuffer??, CheckedContinuation<Bool, Never>?) = state.withLock { state in
                if state.head < state.buffers.count {
                    let buffer = state.buffers[state.head]
                    state.head += 1
                    if state.head == state.buffers.count {
                        state.buffers.removeAll(keepingCapacity: true)
                        state.head = 0
                    }
                    state.bytes -= buffer.readableBytes
                    var producer: CheckedContinuation<Bool, Never>?
                    if state.bytes <= limit { swap(&producer, &state.producer) }
                    return (.some(buffer), producer)
                }
                if state.finished || state.consumerGone { return (.some(nil), nil) }
                state.consumer = continuation
                return (nil, nil)
            }
            producer?.resume(returning: true)
            if let next {
                if let buffer = next { gauge.streamBufferedBytes.subtract(buffer.readableBytes, ordering: .relaxed) }
                continuation.resume(returning: next)
            }
        }
    }

    func finish() {
        let consumer: CheckedContinuation<ByteBuffer?, Never>? = state.withLock { state in
            state.finished = true
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume(returning: nil)
    }

    func consumerWentAway() {
        let (producer, dropped): (CheckedContinuation<Bool, Never>?, Int) = state.withLock { state in
            state.consumerGone = true
            let dropped = state.bytes
            state.buffers.removeAll()
            state.head = 0
            state.bytes = 0
            defer { state.producer = nil }
            return (state.producer, dropped)
        }
        gauge.streamBufferedBytes.subtract(dropped, ordering: .relaxed)
        producer?.resume(returning: false)
    }
}
