import ArgumentParser
import Foundation
import HubAdmin
import HubConsole
import HubCore

struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage", abstract: "What was called, by whom, and what it cost.",
        subcommands: [Summary.self, Recent.self, Tail.self, Export.self])

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

extension UsageCommand {
    /// `usage tail`: live usage events from the hub's subscription, until interrupted.
    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print usage events as they happen, until interrupted (Ctrl-C).",
            discussion: "Works against a running hub (its admin socket) or a stopped one (polling its database). With --json each line is the admin protocol's notification.")
        @OptionGroup var hub: HubOptions
        @Flag(help: "Also print ledger entries and admin changes.") var all = false

        func run() async throws {
            let notifications = try await hub.connect().subscribe()
            if !hub.json { emit(Self.header) }
            for try await notification in notifications {
                switch notification {
                case .dropped(let reason):
                    throw HubError(.unavailable, "the hub dropped this subscription: \(reason)")
                case .stats:
                    continue
                case .ledger, .config:
                    guard all else { continue }
                    emit(hub.json ? Self.json(notification) : Self.text(notification))
                case .usage:
                    emit(hub.json ? Self.json(notification) : Self.text(notification))
                }
            }
        }

        /// Unbuffered, so that `tail | grep` sees each line at once.
        private func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

        static let header = "TIME                  ID  USER  MODEL                         IN     OUT       CREDITS      MS  STATUS"

        static func json(_ notification: HubNotification) -> String {
            SafeText.json(String(decoding: AdminWire.notificationLine(notification).dropLast(), as: UTF8.self))
        }

        static func text(_ notification: HubNotification) -> String {
            func pad(_ raw: String, _ width: Int, right: Bool = false) -> String {
                let text = SafeText.escape(raw)
                let fill = String(repeating: " ", count: max(0, width - DisplayWidth.of(text)))
                return right ? fill + text : text + fill
            }
            switch notification {
            case .usage(let e):
                return [pad(Show.date(e.createdAt), 20), pad("\(e.id ?? 0)", 4, right: true),
                        pad(e.userId.map(String.init) ?? "-", 4, right: true), " " + pad(e.model, 28),
                        pad("\(e.tokensIn)", 6, right: true), pad("\(e.tokensOut)", 7, right: true),
                        pad(e.creditsCharged.description, 13, right: true),
                        pad(String(format: "%.0f", e.latencyMs), 7, right: true), pad("\(e.status)", 7, right: true)]
                    .joined(separator: " ") + (e.error.map { "  " + SafeText.escape($0) } ?? "")
            case .ledger(let e):
                return SafeText.escape("\(Show.date(e.createdAt))  ledger #\(e.id ?? 0) user \(e.userId) \(e.kind.rawValue) \(e.amount) → \(e.balanceAfter)  \(e.actor): \(e.reason)")
            case .config(let e):
                return SafeText.escape("\(Show.date(e.createdAt))  \(e.action) \(e.target) by \(e.actor)")
            case .stats, .dropped:
                return ""
            }
        }
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
