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
        @Option(help: "Credits per --per prompt tokens written to the provider's cache (Anthropic; default: the input price).",
                transform: Parse.amount) var cacheWrite: Amount?
        @Option(help: "Credits per image.", transform: Parse.amount) var image: Amount?
        @Option(help: "Provider USD per --per input tokens.", transform: Parse.amount) var costInput: Amount?
        @Option(help: "Provider USD per --per output tokens.", transform: Parse.amount) var costOutput: Amount?
        @Option(help: "Provider USD per --per cached input tokens.", transform: Parse.amount) var costCachedInput: Amount?
        @Option(help: "Provider USD per --per cache-write tokens.", transform: Parse.amount) var costCacheWrite: Amount?
        @Option(help: "Provider USD per image.", transform: Parse.amount) var costImage: Amount?

        func run() async throws {
            let set = Admin.RatesSet(
                model: model, type: type, per: per, input: input, output: output, cachedInput: cachedInput, image: image,
                costInput: costInput, costOutput: costOutput, costCachedInput: costCachedInput, costImage: costImage,
                cacheWrite: cacheWrite, costCacheWrite: costCacheWrite)
            try await hub.run(set) { Render.rates([$0]) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Current rates, per 1M tokens, with the margin over cost.",
            discussion: "A cached-input or cache-write price shown as =in has no price of its own: those tokens are priced as input.")
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
