import Synchronization

/// What the hub refuses at its edge, before a request reaches a handler: counted here with atomics
/// (no database row, no actor hop) and shown on `/metrics`.
final class EdgeCounters: Sendable {
    /// Requests refused by the key check (401) or for a suspended account (403).
    let refusedKeys = Atomic<Int>(0)
    /// Requests refused by their declared size (413), before the body was read.
    let refusedBodies = Atomic<Int>(0)
    /// Connections closed because a head took too long.
    let headerTimeouts = Atomic<Int>(0)
    /// Connections closed because a body took too long.
    let bodyTimeouts = Atomic<Int>(0)
    /// Keep-alive connections closed after staying idle too long.
    let idleTimeouts = Atomic<Int>(0)
    /// Bytes read from upstream streams and not yet written to their clients (all streams).
    let streamBufferedBytes = Atomic<Int>(0)
    /// Bytes read from upstream streams, in all.
    let streamUpstreamBytes = Atomic<Int>(0)

    /// The counters in Prometheus' text format.
    func render() -> String {
        func line(_ name: String, _ type: String, _ help: String, _ value: Int, labels: String = "") -> String {
            "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name)\(labels) \(value)\n"
        }
        return line("aigne_hub_refused_keys_total", "counter", "Requests refused by the key check (401/403), body unread.",
                    refusedKeys.load(ordering: .relaxed))
            + line("aigne_hub_refused_bodies_total", "counter", "Requests refused by their declared size (413), body unread.",
                   refusedBodies.load(ordering: .relaxed))
            + "# HELP aigne_hub_connection_timeouts_total Connections closed by a timeout, by kind.\n"
            + "# TYPE aigne_hub_connection_timeouts_total counter\n"
            + "aigne_hub_connection_timeouts_total{kind=\"header\"} \(headerTimeouts.load(ordering: .relaxed))\n"
            + "aigne_hub_connection_timeouts_total{kind=\"body\"} \(bodyTimeouts.load(ordering: .relaxed))\n"
            + "aigne_hub_connection_timeouts_total{kind=\"idle\"} \(idleTimeouts.load(ordering: .relaxed))\n"
            + line("aigne_hub_stream_buffered_bytes", "gauge", "Bytes read from upstream streams, not yet written to clients.",
                   streamBufferedBytes.load(ordering: .relaxed))
            + line("aigne_hub_stream_upstream_bytes_total", "counter", "Bytes read from upstream streams.",
                   streamUpstreamBytes.load(ordering: .relaxed))
    }
}
