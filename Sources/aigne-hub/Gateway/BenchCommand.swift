import ArgumentParser
import Foundation
import HubDevTools
import HubGateway

/// `aigne-hub bench`: load for the OpenAI API, through the hub and straight at the upstream.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Load-test a hub (and the same load straight at its upstream) and print latency percentiles.",
        discussion: """
            Example, against a hub in front of `aigne-hub mock-upstream --port 8099`:
              aigne-hub bench --url http://127.0.0.1:8090/v1 --key ahk_... --upstream-url http://127.0.0.1:8099/v1 \\
                --concurrency 32 --duration 10
            Latency is measured per request from its start (fixed concurrency) or from its scheduled start
            (fixed --rate), recorded in an HdrHistogram. With --upstream-url the added latency is hub - upstream.
            """)

    @Option(help: "The hub's base URL.") var url = "http://127.0.0.1:8090/v1"
    @Option(name: .customLong("key"), help: "A client API key (repeat for N keys, used in turn).") var keys: [String] = []
    @Option(help: "Also run the same load straight at this upstream base URL (e.g. the mock's).") var upstreamUrl: String?
    @Option(help: "Model to ask for.") var model = "mock-model"
    @Option(help: "Model name for the direct upstream run.") var upstreamModel = "mock-model"
    @Option(help: "max_tokens of each request.") var maxTokens = 16
    @Option(help: "Requests in flight at all times (closed loop).") var concurrency = 1
    @Option(help: "Requests started per second (open loop); overrides --concurrency.") var rate: Double?
    @Option(help: "Seconds measured.") var duration = 10.0
    @Option(help: "Seconds of warm-up, not measured.") var warmup = 2.0
    @Flag(help: "Stream the answers (SSE).") var stream = false

    func validate() throws {
        guard !keys.isEmpty else { throw ValidationError("give at least one --key") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard duration > 0, warmup >= 0 else { throw ValidationError("--duration must be positive") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive") }
    }

    func run() async throws {
        var plan = LoadPlan(baseURL: url, keys: keys)
        plan.model = model
        plan.maxTokens = maxTokens
        plan.stream = stream
        plan.concurrency = concurrency
        plan.rate = rate
        plan.duration = .milliseconds(Int64(duration * 1_000))
        plan.warmup = .milliseconds(Int64(warmup * 1_000))
        let mode = rate.map { "rate \($0)/s" } ?? "concurrency \(concurrency)"
        print("bench: \(mode), \(duration)s (+\(warmup)s warm-up), \(stream ? "streaming" : "plain"), max_tokens \(maxTokens), \(keys.count) key(s)")
        let hub = await Self.measure(plan)
        print(Self.line("hub", hub))
        if let upstreamUrl {
            var direct = plan
            direct.baseURL = upstreamUrl
            direct.model = upstreamModel
            let upstream = await Self.measure(direct)
            print(Self.line("upstream", upstream))
            let added = [50.0, 90, 99, 99.9].map { String(format: "p%g %+.3f", $0, hub.milliseconds($0) - upstream.milliseconds($0)) }
            print("added latency (ms): " + added.joined(separator: "  "))
        }
    }

    private static func measure(_ plan: LoadPlan) async -> LoadReport {
        let generator = LoadGenerator(plan: plan)
        let report = await generator.run()
        await generator.shutdown()
        return report
    }

    private static func line(_ name: String, _ report: LoadReport) -> String {
        let percentiles = [50.0, 90, 99, 99.9].map { String(format: "p%g %.3f", $0, report.milliseconds($0)) }
        let statuses = report.statuses.sorted { $0.key < $1.key }.map { "\($0.key == 0 ? "conn-error" : String($0.key)):\($0.value)" }
        return name.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: " %9.1f req/s  ", report.requestsPerSecond)
            + "latency ms " + percentiles.joined(separator: "  ")
            + "  requests \(report.requests) errors \(report.errors) [\(statuses.joined(separator: " "))]"
    }
}
