import ArgumentParser
import Foundation
import HubCore

/// `admin retention`: how long raw usage events are kept.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention", abstract: "How long raw usage events are kept (rollups and reports are kept forever).",
        subcommands: [ShowStatus.self, SetDays.self, Vacuum.self], defaultSubcommand: ShowStatus.self)

    struct ShowStatus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "The retention setting, the events kept and what was pruned.")
        @OptionGroup var hub: HubOptions
        func run() async throws { try await hub.run(Admin.RetentionGet(), render: RetentionCommand.render) }
    }

    struct SetDays: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Keep raw usage events DAYS days, or `off` to keep them forever.",
            discussion: """
                A running hub prunes older events within a minute (see serve --prune-interval), in small batches \
                beside the traffic, and hands the space back to the file system. Hourly and daily rollups are kept, \
                so reports, summaries and the console give the same totals as before.
                """)
        @OptionGroup var hub: HubOptions
        @Argument(help: ArgumentHelp("Days to keep (1-36500), or off.", valueName: "DAYS|off")) var days: String

        func run() async throws {
            let value: Int?
            if days.lowercased() == "off" {
                value = nil
            } else if let number = Int(days) {
                value = number
            } else {
                throw HubError.invalid("'\(days)' is not a number of days: give DAYS (1-36500) or off")
            }
            try await hub.run(Admin.RetentionSet(days: value), render: RetentionCommand.render)
        }
    }

    struct Vacuum: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rewrite the database file once: gives back all free space and turns on incremental vacuum.",
            discussion: """
                A database created before retention existed keeps the space pruning frees for new events (the file \
                stops growing, but does not shrink). Run this once to switch it: afterwards the hub hands freed space \
                back by itself. It holds the database's write lock while it runs (about as long as copying the file): \
                run it at a quiet time.
                """)
        @OptionGroup var hub: HubOptions
        func run() async throws {
            try await hub.run(Admin.RetentionVacuum()) { result in
                "Vacuumed: \(result.bytesBefore) bytes before, \(result.bytesAfter) after; incremental vacuum on."
            }
        }
    }

    static func render(_ status: RetentionStatus) -> String {
        """
        raw usage events kept   \(status.days.map { "\($0) days" } ?? "forever")
        events                  \(status.events)
        oldest                  \(Show.date(status.oldestEvent))
        pruned in all           \(status.prunedTotal)
        last pruned             \(Show.date(status.lastRunAt))
        incremental vacuum      \(status.incrementalVacuum ? "on" : "off (aigne-hub admin retention vacuum turns it on)")
        """
    }
}
