import AsyncHTTPClient
import Foundation
import Histogram
import NIOCore

/// What `aigne-hub bench` sends, and how.
public struct LoadPlan: Sendable {
    /// Base URL ending in `/v1`.
    public var baseURL: String
    /// API keys, used in turn.
    public var keys: [String]
    public var model = "mock-model"
    public var maxTokens = 16
    public var stream = false
    /// Closed loop: this many requests in flight at all times (when `rate` is nil).
    public var concurrency = 1
    /// Open loop: this many requests started per second, whatever the latency.
    public var rate: Double?
    public var duration: Duration = .seconds(10)
    public var warmup: Duration = .seconds(2)

    public init(baseURL: String, keys: [String]) {
        self.baseURL = baseURL
        self.keys = keys
    }
}

/// The outcome of one run: latencies in microseconds (HdrHistogram), throughput and errors.
public struct LoadReport: Sendable {
    public var latency = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
    public var requests = 0
    public var errors = 0
    public var statuses: [Int: Int] = [:]
    public var elapsed: Duration = .zero

    public var requestsPerSecond: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(requests) / seconds : 0
    }

    /// Latency at `percentile` (0...100), in milliseconds.
    public func milliseconds(_ percentile: Double) -> Double {
        Double(latency.valueAtPercentile(percentile)) / 1_000
    }

    mutating func merge(_ other: LoadReport) {
        latency.add(other.latency)
        requests += other.requests
        errors += other.errors
        statuses.merge(other.statuses, uniquingKeysWith: +)
    }
}

/// A load generator for the OpenAI API: closed loop (fixed concurrency) or open loop (fixed rate).
public struct LoadGenerator: Sendable {
    let plan: LoadPlan
    let client: HTTPClient

    public init(plan: LoadPlan) {
        self.plan = plan
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60),
                                             concurrentHTTP1ConnectionsPerHostSoftLimit: max(plan.concurrency, 64) * 2)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async { try? await client.shutdown() }

    /// Runs the warm-up (not counted), then the measured run.
    public func run() async -> LoadReport {
        _ = await measure(for: plan.warmup)
        return await measure(for: plan.duration)
    }

    private func measure(for duration: Duration) async -> LoadReport {
        guard duration > .zero else { return LoadReport() }
        let start = ContinuousClock.now
        let end = start + duration
        var report = LoadReport()
        if let rate = plan.rate {
            report = await openLoop(rate: rate, start: start, end: end)
        } else {
            report = await withTaskGroup(of: LoadReport.self) { group in
                for worker in 0..<plan.concurrency {
                    group.addTask {
                        var local = LoadReport()
                        var index = worker
                        while ContinuousClock.now < end {
                            await one(key: plan.keys[index % plan.keys.count], scheduled: .now, into: &local)
                            index += plan.concurrency
                        }
                        return local
                    }
                }
                return await group.reduce(into: LoadReport()) { $0.merge($1) }
            }
        }
        report.elapsed = ContinuousClock.now - start
        return report
    }

    /// Starts requests on schedule; latency counts from the scheduled time (no coordinated omission).
    private func openLoop(rate: Double, start: ContinuousClock.Instant, end: ContinuousClock.Instant) async -> LoadReport {
        let interval = Duration.nanoseconds(Int64(1e9 / rate))
        return await withTaskGroup(of: LoadReport.self) { group in
            var scheduled = start
            var index = 0
            while scheduled < end {
                let at = scheduled
                let key = plan.keys[index % plan.keys.count]
                group.addTask {
                    var local = LoadReport()
                    await one(key: key, scheduled: at, into: &local)
                    return local
                }
                index += 1
                scheduled += interval
                if scheduled > .now { try? await Task.sleep(until: scheduled) }
            }
            return await group.reduce(into: LoadReport()) { $0.merge($1) }
        }
    }

    private func one(key: String, scheduled: ContinuousClock.Instant, into report: inout LoadReport) async {
        var request = HTTPClientRequest(url: plan.baseURL + "/chat/completions")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"model":"\#(plan.model)","max_tokens":\#(plan.maxTokens),"stream":\#(plan.stream),"messages":[{"role":"user","content":"Say hello to the benchmark, briefly."}]}"#))
        var status = 0
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            status = Int(response.status.code)
            for try await _ in response.body {}
        } catch {
            status = 0
        }
        let elapsed = ContinuousClock.now - scheduled
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        report.requests += 1
        report.statuses[status, default: 0] += 1
        if status != 200 { report.errors += 1 }
        _ = report.latency.record(UInt64(max(micros, 1)))
    }
}
