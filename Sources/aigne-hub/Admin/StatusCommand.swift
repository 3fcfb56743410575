import ArgumentParser
import Foundation
import HubCore

/// `aigne-hub admin status`: `hub.status`, from the running hub or its database.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Running or stopped, version, mode, uptime, in-flight requests and counts.")
    @OptionGroup var hub: HubOptions

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
            return lines.joined(separator: "\n")
        }
    }
}
