import AsyncHTTPClient
import HubCore
import Hummingbird
import NIOCore

/// Streaming answers: a pump task reads the upstream, translates its events and hands them to the
/// client's response through a ``BoundedByteStream``: while the client does not read, the budget
/// fills and the pump stops reading the upstream (backpressure all the way to the provider). If
/// the client goes away, or stops reading for `--client-stall-timeout`, the pump keeps reading (up to the drain timeout, without buffering) to
/// learn the real usage, then meters and bills it: never nothing, never twice.
extension Gateway {
    func stream(first: ByteBuffer, rest: sending UpstreamBody.AsyncIterator, translator: any StreamTranslator,
                promptEstimate: Int64, meter: Meter) -> Response {
        let (events, continuation) = BoundedByteStream.make(limit: options.streamBufferBytes, gauge: edge)
        Task {
            await pump(first: first, rest: rest, translator: translator, into: continuation,
                       promptEstimate: promptEstimate, meter: meter)
        }
        var headers = Self.headers(meter, contentType: "text/event-stream")
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody(asyncSequence: events))
    }

    private func pump(first: ByteBuffer, rest: UpstreamBody.AsyncIterator, translator: any StreamTranslator,
                      into client: BoundedByteStream.Producer, promptEstimate: Int64, meter: Meter) async {
        var rest = rest
        var next: ByteBuffer? = first
        var meter = meter
        var translator = translator
        var parser = SSEParser()
        var clientGone = false
        var drainDeadline: ContinuousClock.Instant?
        var failure: String?
        /// `content`: the buffer carries the model's output (not the closing error frame or `[DONE]`);
        /// only that marks the first byte, and so makes a stream that later fails billable for what it gave.
        func send(_ buffer: ByteBuffer, content: Bool = true) async {
            guard !clientGone else { return }
            if content, meter.firstByte == nil { meter.firstByte = .now }
            if await !client.send(buffer, stallTimeout: options.clientStallTimeout) {
                clientGone = true
                drainDeadline = .now + options.drainTimeout
            }
        }
        do {
            reading: while let chunk = next {
                edge.streamUpstreamBytes.add(chunk.readableBytes, ordering: .relaxed)
                // Everything one upstream read produced goes to the client in one write.
                var batch = ByteBuffer()
                for event in parser.feed(chunk) {
                    for var out in translator.translate(event) { batch.writeBuffer(&out) }
                    if translator.finished { break }
                }
                if batch.readableBytes > 0 { await send(batch) }
                if translator.finished { break reading }
                if let drainDeadline, ContinuousClock.now > drainDeadline {
                    failure = "client went away; the upstream was still streaming after the drain timeout"
                    break
                }
                if clientGone && stopDraining {
                    failure = "client went away; the hub shut down before the upstream finished"
                    break
                }
                next = try await rest.next()
            }
            if failure == nil && !translator.finished { failure = "the upstream stream ended before it was complete" }
        } catch {
            failure = "the upstream stream failed: \(error)"
        }
        if let failure {
            await send(SSEParser.encode(data: APIError.badGateway(failure).json), content: false)
        } else {
            await send(ByteBuffer(string: "data: [DONE]\n\n"), content: false)
        }
        client.finish()
        if let usage = translator.usage {
            meter.usage = usage
            meter.usageSource = failure == nil ? .upstream : .partial
        } else {
            meter.usage = TokenUsage(input: promptEstimate, output: translator.contentEvents)
            meter.usageSource = failure == nil ? .estimated : .partial
        }
        let note = clientGone ? "client disconnected mid-stream" : nil
        let error = [failure, note].compactMap { $0 }.joined(separator: "; ")
        await finish(meter, status: failure == nil ? (clientGone ? 499 : 200) : 502, error: error.isEmpty ? nil : error)
        // Read the upstream's end of body (after `[DONE]` there is at most the chunked terminator), so that
        // its connection goes back to the pool instead of being cut.
        if failure == nil { while (try? await rest.next()) ?? nil != nil {} }
    }
}
