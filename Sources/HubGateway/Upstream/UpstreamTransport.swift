import AsyncHTTPClient
import NIOCore
import NIOPosix

/// Sends one prepared upstream request and returns the answer's status and body. AsyncHTTPClient
/// behind it in production (``HTTPClientTransport``); tests use an in-memory upstream.
protocol UpstreamTransport: Sendable {
    /// Throws ``UpstreamFailure`` when no answer head arrived.
    func send(_ request: HTTPClientRequest) async throws(UpstreamFailure) -> UpstreamResponse
}

/// An upstream's answer: its status and its body, still to be read.
struct UpstreamResponse: Sendable {
    var status: Int
    var body: UpstreamBody
}

/// An answer body as it arrives, whatever transport it comes from.
struct UpstreamBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    private let source: any AsyncSequence<ByteBuffer, any Error> & Sendable

    init(_ source: some AsyncSequence<ByteBuffer, any Error> & Sendable) { self.source = source }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: any AsyncIteratorProtocol<ByteBuffer, any Error>

        mutating func next() async throws -> ByteBuffer? { try await base.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: source.makeAsyncIterator()) }

    /// The whole body, or ``UpstreamFailure/tooLarge(_:)`` past `limit` bytes.
    func collect(upTo limit: Int) async throws -> ByteBuffer {
        var collected: ByteBuffer?
        for try await var chunk in self {
            guard (collected?.readableBytes ?? 0) + chunk.readableBytes <= limit else { throw UpstreamFailure.tooLarge(limit) }
            // A body that comes in one read (most answers) is returned as it is, without a copy.
            if collected == nil { collected = chunk } else { collected!.writeBuffer(&chunk) }
        }
        return collected ?? ByteBuffer()
    }
}

/// Why an upstream call produced no usable answer, as far as failover cares: was the request
/// ever accepted by the upstream (then it may be working, and billing, on it)?
enum UpstreamFailure: Error, Equatable {
    /// No connection: refused, unreachable, connect timeout, TLS failure. Never accepted.
    case notConnected(String)
    /// The request was sent and the upstream went silent past the read timeout or deadline.
    case timedOut
    /// The connection broke after the request was sent.
    case broken(String)
    /// A non-streamed answer larger than the hub accepts.
    case tooLarge(Int)

    /// The errors of `connect(2)` itself: the request was never sent.
    static let connectErrors: Set<Int32> = [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL, ENETDOWN, EHOSTDOWN]

    /// Classifies what AsyncHTTPClient (or NIO under it) threw: only what fails before the request
    /// is written (connecting, its timeout, the TLS handshake) is `notConnected`; the rest is `broken`.
    static func classify(_ error: any Error) -> UpstreamFailure {
        if let failure = error as? UpstreamFailure { return failure }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .socksHandshakeTimeout, .tlsHandshakeTimeout, .writeTimeout: return .notConnected("\(error)")
            case .readTimeout, .deadlineExceeded: return .timedOut
            default: return .broken("\(error)")
            }
        }
        if error is NIOConnectionError { return .notConnected("\(error)") }
        // A connect to an IP address fails with the socket's own error; any other I/O error (a
        // reset, a broken pipe) may come after the request was written: the upstream may be working on it.
        if let error = error as? IOError, connectErrors.contains(error.errnoCode) { return .notConnected("\(error)") }
        if let error = error as? ChannelError, case .connectTimeout = error { return .notConnected("\(error)") }
        // NIOSSL's handshake and host-name errors (named, not imported: the hub does not link NIOSSL itself).
        let type = "\(Swift.type(of: error))"
        if (type == "NIOSSLError" && "\(error)".contains("handshake")) || type == "NIOSSLExtraError" {
            return .notConnected("\(error)")
        }
        return .broken("\(error)")
    }
}

/// The production transport: AsyncHTTPClient's pooled connections, its connect and read
/// timeouts, and a deadline for the whole call.
struct HTTPClientTransport: UpstreamTransport {
    let client: HTTPClient
    let deadline: TimeAmount

    func send(_ request: HTTPClientRequest) async throws(UpstreamFailure) -> UpstreamResponse {
        do {
            let response = try await client.execute(request, timeout: deadline)
            return UpstreamResponse(status: Int(response.status.code), body: UpstreamBody(response.body))
        } catch {
            throw UpstreamFailure.classify(error)
        }
    }
}
