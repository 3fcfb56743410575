import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import NIOCore
import Synchronization

/// A fake provider for tests, demos and benchmarks, speaking OpenAI's chat completions,
/// embeddings and models, and Anthropic's Messages, plain and streaming, with real usage counts:
/// a prompt costs one token per word of its messages plus three per message; an answer is
/// `tokens` tokens (`tok0 tok1 ...`), one per streamed chunk.
public final class MockUpstream: Sendable {
    let options: MockOptions
    private let counter = Atomic<Int>(0)
    private let perKey = Mutex<[String: Int]>([:])
    /// The body of the last request received, for tests that check what a hub forwarded.
    private let lastBody = Mutex<ByteBuffer>(ByteBuffer())

    public init(options: MockOptions) { self.options = options }

    /// Serves until SIGTERM/SIGINT, or until one of the services run `alongside` ends; either way the
    /// server shuts down gracefully. `onListening` gets the bound `host:port`.
    public func run(logger: Logger, alongside services: [any Service] = [],
                    onListening: @escaping @Sendable (String) -> Void) async throws {
        let router = Router(context: BasicRequestContext.self)
        router.post("/v1/chat/completions") { request, _ in try await self.openAI(request, embeddings: false) }
        router.post("/chat/completions") { request, _ in try await self.openAI(request, embeddings: false) }
        router.post("/v1/embeddings") { request, _ in try await self.openAI(request, embeddings: true) }
        router.post("/v1/messages") { request, _ in try await self.anthropic(request) }
        router.get("/v1/models") { _, _ in
            Self.json(#"{"object":"list","data":[{"id":"mock-model","object":"model","created":0,"owned_by":"mock"}]}"#)
        }
        router.get("/mock/stats") { _, _ in
            let keys = self.perKey.withLock { $0 }
            let data = (try? JSONSerialization.data(withJSONObject: ["requests": self.counter.load(ordering: .relaxed),
                                                                    "by_key": keys], options: .sortedKeys)) ?? Data()
            return Self.json(String(decoding: data, as: UTF8.self))
        }
        router.get("/mock/last-request") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: self.lastBody.withLock { $0 }))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                onListening(channel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?")
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app)] + services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    // MARK: - Request analysis

    struct Call {
        var stream = false
        var includeUsage = false
        var promptTokens = 0
        var outputTokens = 0
        var inputs = 1
        var fault: MockFault?
        var model = "mock-model"
    }

    func analyse(_ request: Request, key: String?) async throws -> Call {
        let body = try await request.body.collect(upTo: 16 << 20)
        counter.add(1, ordering: .relaxed)
        lastBody.withLock { $0 = body }
        if let key { perKey.withLock { $0[key, default: 0] += 1 } }
        var call = Call()
        let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
        call.model = json["model"] as? String ?? call.model
        call.stream = json["stream"] as? Bool ?? false
        call.includeUsage = (json["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
        // Like a real upstream, the smaller of the two limit fields wins.
        let limits = ["max_completion_tokens", "max_tokens"].compactMap { json[$0] as? Int }
        call.outputTokens = max(0, min(limits.min() ?? options.tokens, options.tokens))
        if let messages = json["messages"] as? [[String: Any]] {
            call.promptTokens = messages.reduce(0) { $0 + 3 + Self.words(in: $1["content"]) } + Self.words(in: json["system"])
        } else if let input = json["input"] {
            let inputs = input as? [Any] ?? [input]
            call.inputs = inputs.count
            call.promptTokens = inputs.reduce(0) { $0 + max(1, Self.words(in: $1)) }
        }
        call.fault = request.headers[HTTPFields.Element.Name("x-mock-fault")!].flatMap(MockFault.init)
            ?? key.flatMap(MockFault.embedded(in:)) ?? MockFault.embedded(in: call.model)
        if call.fault == nil, let fault = options.fault, Double.random(in: 0..<1) < options.faultRate { call.fault = fault }
        if call.fault == .ignoreMaxTokens { call.outputTokens = options.tokens }
        return call
    }

    private static func words(in content: Any?) -> Int {
        if let text = content as? String { return text.split(whereSeparator: \.isWhitespace).count }
        if let parts = content as? [[String: Any]] { return parts.reduce(0) { $0 + words(in: $1["text"]) } }
        return 0
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Waits the configured latency, then applies a status or timeout fault.
    func preamble(_ call: Call, errorBody: (Int) -> String) async throws -> Response? {
        if options.latencyMs > 0 { try await Task.sleep(for: .milliseconds(options.latencyMs)) }
        switch call.fault {
        case .status(let code):
            return Self.json(errorBody(code), status: .init(code: code))
        case .timeout:
            try await Task.sleep(for: .seconds(600))
            return nil
        case .reset where !call.stream:
            throw MockReset()
        case .stall:
            let first = call.stream ? ": stalled\n\n" : #"{"id":"#
            return Response(status: .ok, headers: [.contentType: call.stream ? "text/event-stream" : "application/json"],
                            body: ResponseBody { writer in
                                try await writer.write(ByteBuffer(string: first))
                                try await Task.sleep(for: .seconds(600))
                            })
        default:
            return nil
        }
    }

    func stream(_ call: Call, head: [String], chunk: @escaping @Sendable (Int) -> String, tail: [String]) -> Response {
        let delay = options.chunkDelayMs
        let body = ResponseBody { writer in
            for event in head { try await writer.write(ByteBuffer(string: event)) }
            for index in 0..<call.outputTokens {
                if call.fault == .reset && index >= call.outputTokens / 2 { throw MockReset() }
                if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
                try await writer.write(ByteBuffer(string: chunk(index)))
            }
            if call.fault == .reset { throw MockReset() }
            for event in tail { try await writer.write(ByteBuffer(string: event)) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: body)
    }

    func bearer(_ request: Request) -> String? {
        request.headers[.authorization].map { String($0.dropFirst("Bearer ".count)) }
    }
}

/// Thrown to cut a connection on purpose (the `reset` fault).
struct MockReset: Error {}
