import ArgumentParser
import Foundation
import HubCore

/// `aigne-hub admin status`: `hub.status`, from the running hub or its database.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Running or stopped, version, mode, uptime, in-flight requests and counts.")
    @OptionGroup var hub: HubOptions

    /// The nodes: running ones first, with their traffic (calls metered in the last minute).
    static func nodes(_ nodes: [NodeStatus]) -> String {
        var table = TextTable("NODE", "HOST", "ADDRESS", "VERSION", "STARTED", "HEARTBEAT", "CALLS/MIN", "IN FLIGHT", "STATE",
                              rightAligned: [6, 7])
        for status in nodes {
            let node = status.node
            let state = status.live ? "running" : node.stoppedAt == nil ? "silent" : (node.stopReason ?? "stopped")
            table.add(String(node.id.prefix(8)), node.host, node.httpAddress, node.version, Show.date(node.startedAt),
                      Show.date(node.heartbeatAt), "\(status.requestsLastMinute)", status.live ? "\(node.inFlight)" : "-", state)
        }
        return table.rendered
    }

    func run() async throws {
        try await hub.run(Admin.HubStatus()) { s in
            let c = s.counts
            var lines = [
                "hub        \(s.running ? "running" : "stopped")\(s.pid.map { " (pid \($0))" } ?? "")  version \(s.version)",
                "data dir   \(s.dataDir)",
                "mode       \(s.mode.rawValue)",
            ]
            if let uptime = s.uptimeSeconds { lines.append("uptime     \(uptime / 3_600)h \(uptime / 60 % 60)m \(uptime % 60)s") }
            if let inFlight = s.inFlight { lines.append("in flight  \(inFlight)") }
            if let subscribers = s.subscribers { lines.append("watchers   \(subscribers)") }
            lines.append("users      \(c.users) (\(c.activeUsers) active)   keys \(c.apiKeys) (\(c.activeApiKeys) active)")
            lines.append("providers  \(c.providers) (\(c.enabledProviders) enabled)   credentials \(c.credentials)   rates \(c.currentRates)")
            lines.append("records    \(c.usageEvents) usage events, \(c.ledgerEntries) ledger entries, \(c.auditEntries) audit entries")
            let live = s.nodes.filter(\.live).count
            lines.append("database   \(s.database == .postgres ? "PostgreSQL" : "SQLite")   nodes \(live) running")
            if !s.nodes.isEmpty { lines.append(Self.nodes(s.nodes)) }
            return lines.joined(separator: "\n")
        }
    }
}
