import ArgumentParser
import Foundation
import HubCore

struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage", abstract: "What was called, by whom, and what it cost.",
        subcommands: [Summary.self, Recent.self])

    struct Summary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Totals by user, model or provider over a time range.")
        @OptionGroup var hub: HubOptions
        @Option(help: "user, model or provider (default user).", transform: { try Parse.choice($0, "grouping") as UsageGrouping })
        var by: UsageGrouping?
        @Option(help: "Start: 24h, 7d, 2026-11-01 or an ISO time (default 24h).", transform: Parse.time) var since: Date?
        @Option(help: "End (default now).", transform: Parse.time) var until: Date?
        func run() async throws {
            try await hub.run(Admin.UsageSummary(by: by, since: since, until: until), render: Render.usageSummary)
        }
    }

    struct Recent: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest calls, of one user or all.")
        @OptionGroup var hub: HubOptions
        @Option(help: "User name or id.") var user: String?
        @Option(help: "At most this many (default 50).") var limit: Int?
        func run() async throws { try await hub.run(Admin.UsageRecent(user: user, limit: limit), render: Render.usageEvents) }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Who changed what, when.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Admin changes, newest first.")
        @OptionGroup var hub: HubOptions
        @Option(help: "At most this many (default 50).") var limit: Int?
        @Option(help: "Only actions starting with this, e.g. users.") var action: String?
        @Option(help: "Only targets containing this, e.g. alice.") var target: String?
        func run() async throws { try await hub.run(Admin.AuditList(limit: limit, action: action, target: target), render: Render.audit) }
    }
}
