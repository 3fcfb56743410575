import ArgumentParser
import HubCore

struct PackagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "packages",
        abstract: "Credit packages users buy. A payment names its package in metadata (see docs/billing.md).",
        subcommands: [Add.self, List.self, Update.self, Disable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Define a package: credits (and a bonus) for a price.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "A unique name; payments name the package by it, e.g. starter.") var name: String
        @Option(help: "The price, in the currency's units, e.g. 10 or 9.99.", transform: Parse.amount) var price: Amount
        @Option(help: "The currency, e.g. usd.") var currency: String
        @Option(help: "Credits one purchase adds.", transform: Parse.amount) var credits: Amount
        @Option(help: "Extra credits on top.", transform: Parse.amount) var bonus: Amount?
        func run() async throws {
            let add = Admin.PackagesAdd(name: name, price: price, currency: currency, credits: credits, bonus: bonus)
            try await hub.run(add) { "Added package \($0.name): \($0.totalCredits) credits for \($0.price) \($0.currency)." }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List packages, active ones first.")
        @OptionGroup var hub: HubOptions
        func run() async throws { try await hub.run(Admin.PackagesList(), render: BillingRender.packages) }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a package. Payments already applied keep what they gave.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Package name or id.") var package: String
        @Option(help: "A new name.") var name: String?
        @Option(help: "A new price.", transform: Parse.amount) var price: Amount?
        @Option(help: "A new currency.") var currency: String?
        @Option(help: "New credits per purchase.", transform: Parse.amount) var credits: Amount?
        @Option(help: "A new bonus.", transform: Parse.amount) var bonus: Amount?
        @Flag(inversion: .prefixedEnableDisable, help: "Sell it again, or stop selling it.") var active: Bool?
        func run() async throws {
            let update = Admin.PackagesUpdate(package: package, name: name, price: price, currency: currency,
                                              credits: credits, bonus: bonus, active: active)
            try await hub.run(update) { "Package \($0.name): \($0.totalCredits) credits for \($0.price) \($0.currency), \($0.active ? "active" : "disabled")." }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop selling a package. A payment for it that still arrives is applied.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Package name or id.") var package: String
        func run() async throws {
            try await hub.run(Admin.PackagesDisable(package: package)) { "Package \($0.name) is disabled." }
        }
    }
}

/// Text of billing results (`--json` bypasses these).
enum BillingRender {
    static func packages(_ packages: [CreditPackage]) -> String {
        var table = TextTable("ID", "NAME", "PRICE", "CURRENCY", "CREDITS", "BONUS", "ACTIVE", rightAligned: [0, 2, 4, 5])
        for p in packages {
            table.add("\(p.id ?? 0)", p.name, p.price.formatted(places: 2), p.currency, p.credits.description,
                      p.bonus.description, Show.flag(p.active))
        }
        return table.rendered
    }

    static func payments(_ payments: [Payment]) -> String {
        var table = TextTable("ID", "TIME", "PROCESSOR", "EVENT", "KIND", "STATUS", "USER", "PACKAGE", "AMOUNT", "CREDITS",
                              "OWED", "NOTE", rightAligned: [0, 8, 9, 10])
        for p in payments {
            let user = p.userId.map { "#\($0)" } ?? p.userRef.map { "? \($0)" } ?? "?"
            let package = p.packageId.map { "#\($0)" } ?? p.packageRef.map { "? \($0)" } ?? "-"
            table.add("\(p.id ?? 0)", Show.date(p.createdAt), p.processor.rawValue, p.eventId, p.kind.rawValue,
                      p.status.rawValue, user, package, "\(p.amount.formatted(places: 2)) \(p.currency ?? "")",
                      p.credits.description, p.owed.isPositive ? p.owed.description : "-", p.note ?? "")
        }
        return table.rendered
    }

    static func payment(_ p: Payment) -> String {
        "Payment #\(p.id ?? 0) (\(p.processor.rawValue) \(p.eventId)) is \(p.status.rawValue): \(p.credits) credits to user #\(p.userId ?? 0)."
    }

    static func secrets(_ secrets: [WebhookSecretInfo]) -> String {
        var table = TextTable("ID", "PROCESSOR", "SECRET", "ADDED", rightAligned: [0])
        for s in secrets { table.add("\(s.id)", s.processor.rawValue, s.secretMasked, Show.date(s.createdAt)) }
        return table.rendered
    }
}
