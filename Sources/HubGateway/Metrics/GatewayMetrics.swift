import Foundation
import HubCore

/// The gateway's Prometheus counters, kept from committed usage events (so `/metrics` and the
/// database always agree) and rendered as the text exposition format.
///
/// Written by hand rather than with swift-metrics + swift-prometheus: the set is small and fixed,
/// the events already arrive in batches from the usage writer, and this costs the request path
/// nothing (no per-request metric objects, locks or label look-ups).
actor GatewayMetrics {
    struct Series: Hashable {
        var providerId: Int64
        var model: String
    }

    struct Counters {
        var requests = 0
        var errors = 0
        var statuses: [Int: Int] = [:]
        var tokensIn: Int64 = 0
        var tokensOut: Int64 = 0
        var credits = Amount.zero
        var providerCost = Amount.zero
        var latencyBuckets = [Int](repeating: 0, count: GatewayMetrics.bucketBounds.count)
        var latencySum = 0.0

        /// Adds `other`'s counts into these (when a quiet series is folded into `other`).
        mutating func absorb(_ other: Counters) {
            requests += other.requests
            errors += other.errors
            statuses.merge(other.statuses, uniquingKeysWith: +)
            tokensIn += other.tokensIn
            tokensOut += other.tokensOut
            credits = Amount(nanos: credits.nanos &+ other.credits.nanos)
            providerCost = Amount(nanos: providerCost.nanos &+ other.providerCost.nanos)
            for index in latencyBuckets.indices { latencyBuckets[index] += other.latencyBuckets[index] }
            latencySum += other.latencySum
        }
    }

    /// The model label of the series that gathers the quieter models.
    static let otherModel = "other"

    /// Upper bounds (seconds) of the latency histogram buckets; `+Inf` is the count.
    static let bucketBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    private var series: [Series: Counters] = [:]
    private var batches = 0
    /// Calls that cost more than their hold (an upstream ignored the output limit), and the credits beyond it.
    private(set) var overruns = 0
    private(set) var overrunCredits = Amount.zero
    /// Named series kept after a fold; the table grows to twice this before the quieter half is folded.
    let maxSeries: Int

    /// `maxSeries`: how many of the busiest (provider, model) series keep their own labels.
    init(maxSeries: Int = 100) { self.maxSeries = max(1, maxSeries) }

    var seriesCount: Int { series.count }

    func record(_ events: [UsageEvent]) {
        batches += 1
        for event in events {
            if event.overrun.isPositive {
                overruns += 1
                overrunCredits = Amount(nanos: overrunCredits.nanos &+ event.overrun.nanos)
            }
            let key = Series(providerId: event.providerId ?? 0, model: event.model)
            if series[key] == nil && series.count >= 2 * maxSeries { foldQuietSeries() }
            var counters = series[key] ?? Counters()
            counters.requests += 1
            if event.status >= 400 { counters.errors += 1 }
            counters.statuses[event.status, default: 0] += 1
            counters.tokensIn += event.tokensIn
            counters.tokensOut += event.tokensOut
            counters.credits = Amount(nanos: counters.credits.nanos &+ event.creditsCharged.nanos)
            counters.providerCost = Amount(nanos: counters.providerCost.nanos &+ event.providerCost.nanos)
            let seconds = event.latencyMs / 1_000
            counters.latencySum += seconds
            for (index, bound) in Self.bucketBounds.enumerated() where seconds <= bound {
                counters.latencyBuckets[index] += 1
            }
            series[key] = counters
        }
    }

    /// Keeps the `maxSeries` busiest named series and folds every other one into its provider's `other`.
    private func foldQuietSeries() {
        let named = series.filter { $0.key.model != Self.otherModel }.sorted { $0.value.requests > $1.value.requests }
        for (key, counters) in named.dropFirst(maxSeries) {
            series[key] = nil
            series[Series(providerId: key.providerId, model: Self.otherModel), default: Counters()].absorb(counters)
        }
    }

    /// The text exposition; `providerName` maps ids to the names of the current configuration.
    func render(providerName: @Sendable (Int64?) -> String, inFlight: Int, pendingUsage: Int) -> String {
        var out = ""
        func header(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        let rows = series.sorted { ($0.key.providerId, $0.key.model) < ($1.key.providerId, $1.key.model) }
        func labels(_ key: Series) -> String {
            "provider=\"\(escape(providerName(key.providerId == 0 ? nil : key.providerId)))\",model=\"\(escape(key.model))\""
        }
        header("aigne_hub_requests_total", "counter", "Client requests metered, by provider, model and HTTP status.")
        for (key, c) in rows {
            for (status, count) in c.statuses.sorted(by: { $0.key < $1.key }) {
                out += "aigne_hub_requests_total{\(labels(key)),status=\"\(status)\"} \(count)\n"
            }
        }
        header("aigne_hub_request_errors_total", "counter", "Client requests answered with status 400 or above.")
        for (key, c) in rows { out += "aigne_hub_request_errors_total{\(labels(key))} \(c.errors)\n" }
        header("aigne_hub_tokens_total", "counter", "Tokens metered, by direction.")
        for (key, c) in rows {
            out += "aigne_hub_tokens_total{\(labels(key)),direction=\"in\"} \(c.tokensIn)\n"
            out += "aigne_hub_tokens_total{\(labels(key)),direction=\"out\"} \(c.tokensOut)\n"
        }
        header("aigne_hub_credits_charged_total", "counter", "Credits charged to callers.")
        for (key, c) in rows { out += "aigne_hub_credits_charged_total{\(labels(key))} \(c.credits)\n" }
        header("aigne_hub_provider_cost_usd_total", "counter", "Estimated provider cost in USD.")
        for (key, c) in rows { out += "aigne_hub_provider_cost_usd_total{\(labels(key))} \(c.providerCost)\n" }
        header("aigne_hub_request_duration_seconds", "histogram", "Request latency as seen by the hub.")
        for (key, c) in rows {
            for (index, bound) in Self.bucketBounds.enumerated() {
                out += "aigne_hub_request_duration_seconds_bucket{\(labels(key)),le=\"\(bound)\"} \(c.latencyBuckets[index])\n"
            }
            out += "aigne_hub_request_duration_seconds_bucket{\(labels(key)),le=\"+Inf\"} \(c.requests)\n"
            out += "aigne_hub_request_duration_seconds_sum{\(labels(key))} \(c.latencySum)\n"
            out += "aigne_hub_request_duration_seconds_count{\(labels(key))} \(c.requests)\n"
        }
        header("aigne_hub_overruns_total", "counter", "Calls that cost more than their hold (not charged beyond it).")
        out += "aigne_hub_overruns_total \(overruns)\n"
        header("aigne_hub_overrun_credits_total", "counter", "Credits calls cost beyond their holds (absorbed by the operator).")
        out += "aigne_hub_overrun_credits_total \(overrunCredits)\n"
        header("aigne_hub_in_flight_requests", "gauge", "Requests being served now.")
        out += "aigne_hub_in_flight_requests \(inFlight)\n"
        header("aigne_hub_usage_pending", "gauge", "Usage records waiting for the batching writer.")
        out += "aigne_hub_usage_pending \(pendingUsage)\n"
        header("aigne_hub_usage_batches_total", "counter", "Usage batches committed.")
        out += "aigne_hub_usage_batches_total \(batches)\n"
        return out
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
