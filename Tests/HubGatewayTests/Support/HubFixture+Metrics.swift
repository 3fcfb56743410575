import HubTestSupport

extension HubFixture {
    /// The metrics listener's `/metrics` URL, from the hub's "listening on" line (`--metrics-listen`).
    func metricsURL() throws -> String {
        guard let range = hub.banner.range(of: "(metrics: ") else { throw TestFailure("no metrics listener: \(hub.banner)") }
        return String(hub.banner[range.upperBound...].prefix { $0 != ")" })
    }
}
