import ArgumentParser
import Foundation
import HubCore

struct CodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codes",
        abstract: "Redemption codes: credits a user claims with a code. The hub keeps only their hashes.",
        subcommands: [Create.self, List.self, Disable.self, Redeem.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a batch of codes and print them. They are shown this once: keep them.")
        @OptionGroup var hub: HubOptions
        @Option(help: "How many codes (1-10000).") var count: Int
        @Option(help: "Credits each code gives.", transform: Parse.amount) var value: Amount
        @Option(help: "When they stop working: a date (2026-12-31), a time, or from now (30d, 12h).",
                transform: CodesCommand.expiry) var expires: Date?
        @Option(help: "At most this many codes of the batch per user.") var maxPerUser: Int?
        @Option(help: "What the batch is for (kept with it).") var note: String?
        func run() async throws {
            let create = Admin.CodesCreate(count: count, value: value, expires: expires, maxPerUser: maxPerUser, note: note)
            try await hub.run(create) { created in
                created.codes.joined(separator: "\n")
                    + "\nBatch #\(created.batch.id ?? 0): \(created.codes.count) codes of \(created.batch.value) credits."
                    + " They are shown this once."
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Batches of codes, newest first, with how many were used.")
        @OptionGroup var hub: HubOptions
        func run() async throws {
            try await hub.run(Admin.CodesList()) { batches in
                var table = TextTable("BATCH", "VALUE", "USED", "EXPIRES", "PER USER", "STATUS", "CREATED", "NOTE",
                                      rightAligned: [0, 1, 2])
                for info in batches {
                    let b = info.batch
                    table.add("\(b.id ?? 0)", b.value.description, "\(info.redeemed)/\(b.count)", Show.date(b.expiresAt),
                              b.maxPerUser.map(String.init) ?? "-", b.disabledAt == nil ? "active" : "disabled",
                              Show.date(b.createdAt), b.note ?? "")
                }
                return table.rendered
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a batch: its unused codes are refused.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "The batch number (from `codes list`).") var batch: Int64
        func run() async throws {
            try await hub.run(Admin.CodesDisable(batch: batch)) { "Batch #\($0.id ?? 0) is disabled." }
        }
    }

    struct Redeem: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Redeem a code for a user (support; users use POST /v1/billing/redeem).")
        @OptionGroup var hub: HubOptions
        @Argument(help: "User name or id.") var user: String
        @Argument(help: "The code, e.g. AHR-…") var code: String
        func run() async throws {
            try await hub.run(Admin.CodesRedeem(user: user, code: code)) { "Redeemed \($0.credits) credits; balance now \($0.balance)." }
        }
    }

    /// A future time: `30d`, `12h`, `2w` from now, or a date or time as `Parse.time` reads it.
    static func expiry(_ text: String) throws(HubError) -> Date {
        let units: [Character: TimeInterval] = ["h": 3_600, "d": 86_400, "w": 604_800]
        if let unit = text.last.flatMap({ units[$0] }), let count = Double(text.dropLast()), count > 0 {
            return Date().addingTimeInterval(count * unit)
        }
        return try Parse.time(text)
    }
}
