import ArgumentParser
import Foundation
import HubCore

private func parseType(_ text: String) throws(HubError) -> ModelType { try Parse.choice(text, "model type") }

struct RatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rates",
        abstract: "What each model costs callers in credits, and the provider in USD (1 credit = 1 USD).",
        subcommands: [Set.self, List.self, Remove.self, History.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a model's rate; the previous rate is kept as history.",
            discussion: """
                Token prices are per --per tokens (default 1M). Prices not given keep their current value.
                Example: aigne-hub admin rates set openai/gpt-4o --input 2.5 --output 10 --per 1M --cost-input 2 --cost-output 8
                """)
        @OptionGroup var hub: HubOptions
        @Argument(help: "provider/model, e.g. openai/gpt-4o.") var model: String
        @Option(help: "chat, embedding or image (default chat).", transform: parseType) var type: ModelType?
        @Option(help: "Tokens the prices are for: 1, 1K or 1M (default 1M).", transform: Parse.unit) var per: PriceUnit?
        @Option(help: "Credits per --per input tokens.", transform: Parse.amount) var input: Amount?
        @Option(help: "Credits per --per output tokens.", transform: Parse.amount) var output: Amount?
        @Option(help: "Credits per --per cached input tokens (default: the input price).", transform: Parse.amount) var cachedInput: Amount?
        @Option(help: "Credits per image.", transform: Parse.amount) var image: Amount?
        @Option(help: "Provider USD per --per input tokens.", transform: Parse.amount) var costInput: Amount?
        @Option(help: "Provider USD per --per output tokens.", transform: Parse.amount) var costOutput: Amount?
        @Option(help: "Provider USD per --per cached input tokens.", transform: Parse.amount) var costCachedInput: Amount?
        @Option(help: "Provider USD per image.", transform: Parse.amount) var costImage: Amount?

        func run() async throws {
            let set = Admin.RatesSet(
                model: model, type: type, per: per, input: input, output: output, cachedInput: cachedInput, image: image,
                costInput: costInput, costOutput: costOutput, costCachedInput: costCachedInput, costImage: costImage)
            try await hub.run(set) { Render.rates([$0]) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Current rates, per 1M tokens, with the margin over cost.")
        @OptionGroup var hub: HubOptions
        @Option(help: "Only this provider's models.") var provider: String?
        func run() async throws { try await hub.run(Admin.RatesList(provider: provider), render: Render.rates) }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a model's rate (history is kept); the model becomes unpriced.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "provider/model.") var model: String
        @Option(help: "chat, embedding or image (default chat).", transform: parseType) var type: ModelType?
        func run() async throws { try await hub.run(Admin.RatesRemove(model: model, type: type)) { _ in "Removed the rate of \(model)." } }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every rate a model has had, newest first.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "provider/model.") var model: String
        func run() async throws { try await hub.run(Admin.RatesHistory(model: model), render: Render.rates) }
    }
}

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
