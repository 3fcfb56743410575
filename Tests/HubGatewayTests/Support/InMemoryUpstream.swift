import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
@testable import HubGateway

/// An upstream in the test's own memory: every call gets a short OpenAI answer with real usage,
/// and is counted.
final class InMemoryUpstream: UpstreamTransport {
    private let calls = Atomic<Int>(0)
    private let last = Mutex<ByteBuffer?>(nil)
    var callCount: Int { calls.load(ordering: .relaxed) }
    /// The body of the last request, as a JSON object.
    var lastBody: [String: Any]? {
        last.withLock { $0 }.flatMap { try? JSONSerialization.jsonObject(with: Data($0.readableBytesView)) as? [String: Any] }
    }

    func send(_ request: HTTPClientRequest) async throws(UpstreamFailure) -> UpstreamResponse {
        calls.add(1, ordering: .relaxed)
        var body = ByteBuffer()
        if let parts = request.body {
            do { for try await part in parts { body.writeImmutableBuffer(part) } } catch {}
        }
        last.withLock { $0 = body }
        let answer = #"{"id":"chatcmpl-mem","object":"chat.completion","created":0,"model":"mock-model","#
            + #""choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"#
            + #""usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}"#
        return UpstreamResponse(status: 200, body: UpstreamBody([ByteBuffer(string: answer)].async))
    }
}

/// A finite sequence as an AsyncSequence (the in-memory upstream's bodies).
struct AsyncBuffers: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffers: [ByteBuffer]

    struct AsyncIterator: AsyncIteratorProtocol {
        var index = 0
        let buffers: [ByteBuffer]
        mutating func next() async throws -> ByteBuffer? {
            guard index < buffers.count else { return nil }
            defer { index += 1 }
            return buffers[index]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffers: buffers) }
}

extension Array where Element == ByteBuffer {
    var async: AsyncBuffers { AsyncBuffers(buffers: self) }
}
