import ArgumentParser
import Foundation
import HubDevTools
import HubGateway
import Logging

/// `aigne-hub mock-upstream`: a fake OpenAI + Anthropic provider for tests, demos and benchmarks.
struct MockUpstreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-upstream",
        abstract: "Run a fake provider speaking the OpenAI and Anthropic wire formats.",
        discussion: """
            OpenAI: POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models. Anthropic: POST /v1/messages.
            Plain and streaming answers carry real usage (a token per prompt word + 3 per message; --tokens out).
            Faults per request: header `x-mock-fault: 503|429|401|timeout|reset|ignore-max-tokens`, or `fault-<spec>` inside the
            API key or the model name (e.g. a hub credential `sk-fault-503`); else --fault with --fault-rate.
            GET /mock/stats counts requests per API key; GET /mock/last-request shows the last body received.
            """)

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port; the chosen one is printed).") var port = 8099
    @Option(help: "Milliseconds to wait before answering.") var latencyMs = 0
    @Option(help: "Output tokens per answer (a smaller max_tokens wins).") var tokens = 16
    @Option(help: "Milliseconds between streamed chunks.") var chunkDelayMs = 0
    @Option(help: "A fault for every request (or --fault-rate of them): a status code, timeout, reset or ignore-max-tokens.") var fault: String?
    @Option(help: "Share of requests that get --fault, 0 to 1.") var faultRate = 1.0

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard latencyMs >= 0, chunkDelayMs >= 0, tokens >= 0 else { throw ValidationError("delays and tokens must not be negative") }
        guard (0...1).contains(faultRate) else { throw ValidationError("--fault-rate must be between 0 and 1") }
        if let fault, MockFault(fault) == nil {
            throw ValidationError("unknown --fault '\(fault)': use a status code (400-599), timeout, reset or ignore-max-tokens")
        }
    }

    func run() async throws {
        var options = MockOptions()
        options.host = host
        options.port = port
        options.latencyMs = latencyMs
        options.tokens = tokens
        options.chunkDelayMs = chunkDelayMs
        options.fault = fault.flatMap(MockFault.init)
        options.faultRate = faultRate
        // Logs go to stderr: stdout carries only the "listening on" line.
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "mock-upstream")
        logger.logLevel = .warning
        try await MockUpstream(options: options).run(logger: logger) { address in
            FileHandle.standardOutput.write(Data(("mock-upstream: listening on http://\(address)" + "\n").utf8))
        }
    }
}
