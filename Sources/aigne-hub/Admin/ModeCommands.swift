import ArgumentParser
import HubCore

struct ModeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mode", abstract: "Show, preview or switch the deployment mode.",
        subcommands: [Get.self, Preview.self, Set.self])

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the mode and its settings.")
        @OptionGroup var hub: HubOptions
        func run() async throws { try await hub.run(Admin.ModeGet(), render: Render.settings) }
    }

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what switching to a mode would change. Changes nothing.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "enterprise or service-provider.", transform: Parse.mode) var mode: DeploymentMode
        func run() async throws { try await hub.run(Admin.ModePreview(mode: mode), render: Render.preview) }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Switch the deployment mode. Balances are never touched.",
            discussion: "Run `mode preview` first to see who and what the switch affects.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "enterprise or service-provider.", transform: Parse.mode) var mode: DeploymentMode
        func run() async throws {
            try await hub.run(Admin.ModeSet(mode: mode)) { "Mode: \($0.mode.rawValue)." }
        }
    }
}

struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "Show or change the service-provider settings.",
        subcommands: [Get.self, Set.self])

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the settings.")
        @OptionGroup var hub: HubOptions
        func run() async throws { try await hub.run(Admin.SettingsGet(), render: Render.settings) }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change the settings given; the others stay.")
        @OptionGroup var hub: HubOptions
        @Flag(inversion: .prefixedEnableDisable, help: "Grant starter credits to new users (service-provider mode).")
        var starterCredits: Bool?
        @Option(name: .customLong("starter-amount"), help: ArgumentHelp("Starter credits per new user.", valueName: "credits"),
                transform: Parse.amount)
        var starterAmount: Amount?
        @Option(help: ArgumentHelp("Where users buy credits (named in 402 errors); \"\" removes it.", valueName: "url"))
        var paymentLink: String?
        @Option(help: ArgumentHelp("Balance below which a user is warned.", valueName: "credits"), transform: Parse.amount)
        var lowBalanceThreshold: Amount?
        @Flag(inversion: .prefixedEnableDisable, help: "Let models without a rate be called, free, in service-provider mode.")
        var unpricedModels: Bool?
        @Option(help: ArgumentHelp("The IANA time zone of budget periods, e.g. UTC or Europe/Berlin.", valueName: "zone"))
        var timeZone: String?
        @Option(help: ArgumentHelp("Refused key checks a client address may make per minute before it gets 429 (0: no limit).",
                                   valueName: "n"))
        var unauthenticatedRpm: Int?
        @OptionGroup var defaults: DefaultKeyLimitOptions
        @Option(name: .customLong("starter-expire-days"),
                help: ArgumentHelp("Starter credits given from now on expire after this many days; 0: never.", valueName: "days"))
        var starterExpireDays: Int?

        func run() async throws {
            var change = Admin.SettingsSet(
                starterCreditsEnabled: starterCredits, starterCredits: starterAmount, paymentLink: paymentLink,
                lowBalanceThreshold: lowBalanceThreshold, allowUnpricedModels: unpricedModels, governanceTimeZone: timeZone,
                unauthenticatedRpm: unauthenticatedRpm, starterCreditsExpireDays: starterExpireDays)
            if defaults.given {
                change.defaultKeyLimits = try defaults.applied(to: try await hub.connect().call(Admin.SettingsGet()).defaultKeyLimits)
            }
            try await hub.run(change, render: Render.settings)
        }
    }
}
