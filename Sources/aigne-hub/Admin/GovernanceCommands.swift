import ArgumentParser
import Foundation
import HubCore

/// Exactly one of `--key`, `--user`, `--team`: what a budget or a limit applies to.
struct SubjectOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A key, by id or visible prefix.", valueName: "key")) var key: String?
    @Option(help: ArgumentHelp("A user, by name or id.", valueName: "user")) var user: String?
    @Option(help: ArgumentHelp("A team, by name or id.", valueName: "team")) var team: String?
}

struct TeamsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teams", abstract: "Teams: users whose spend is budgeted and reported together. Name a team by name or id.",
        subcommands: [Add.self, List.self, Show.self, Remove.self, AddMember.self, RemoveMember.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a team.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "The team's name (unique, not all digits).") var name: String
        @Option(help: "What the team is.") var description: String?
        func run() async throws {
            try await hub.run(Admin.TeamsAdd(name: name, description: description)) { "Created team \($0.name) (id \($0.id ?? 0))." }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List teams with members, keys and this month's spend.")
        @OptionGroup var hub: HubOptions
        func run() async throws { try await hub.run(Admin.TeamsList(), render: Render.teams) }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A team with its members, keys, budgets and limits.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Team name or id.") var team: String
        func run() async throws { try await hub.run(Admin.TeamsShow(team: team), render: Render.teamDetail) }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a team: its keys detach, its budgets and limits go; past usage keeps the team's id.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Team name or id.") var team: String
        func run() async throws { try await hub.run(Admin.TeamsRemove(team: team)) { _ in "Removed team \(team)." } }
    }

    struct AddMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-member", abstract: "Add a user to a team.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Team name or id.") var team: String
        @Argument(help: "User name or id.") var user: String
        func run() async throws {
            try await hub.run(Admin.TeamsAddMember(team: team, user: user)) { _ in "Added \(user) to \(team)." }
        }
    }

    struct RemoveMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-member", abstract: "Remove a user from a team (the user's keys of the team detach).")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Team name or id.") var team: String
        @Argument(help: "User name or id.") var user: String
        func run() async throws {
            try await hub.run(Admin.TeamsRemoveMember(team: team, user: user)) { _ in "Removed \(user) from \(team)." }
        }
    }
}

struct BudgetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budgets",
        abstract: "Budgets per key, user or team and calendar period: credits in service-provider mode, estimated USD in enterprise mode.",
        subcommands: [Set.self, List.self, Remove.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the budget of a subject for a period (replaces the one it had for that period).",
            discussion: "Calls beyond the budget are refused (402, code budget_exceeded) until the period ends.")
        @OptionGroup var hub: HubOptions
        @OptionGroup var subject: SubjectOptions
        @Option(help: ArgumentHelp("The budget, e.g. 100 or 12.5.", valueName: "amount"), transform: Parse.amount) var amount: Amount
        @Option(help: "day, week (from Monday) or month, in the settings' time zone.",
                transform: { try Parse.choice($0, "period") as BudgetPeriod })
        var period: BudgetPeriod
        @Option(help: ArgumentHelp("Soft threshold in percent (1-100): marked, and a notice is sent once per period.", valueName: "percent"))
        var soft: Int?
        func run() async throws {
            let set = Admin.BudgetsSet(key: subject.key, user: subject.user, team: subject.team, amount: amount, period: period, soft: soft)
            try await hub.run(set) { Render.budgets([$0]) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Budgets with this period's spend, of one subject or of all.")
        @OptionGroup var hub: HubOptions
        @OptionGroup var subject: SubjectOptions
        func run() async throws {
            try await hub.run(Admin.BudgetsList(key: subject.key, user: subject.user, team: subject.team), render: Render.budgets)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a subject's budget for one period, or all of its budgets.")
        @OptionGroup var hub: HubOptions
        @OptionGroup var subject: SubjectOptions
        @Option(help: "day, week or month (default: every period).", transform: { try Parse.choice($0, "period") as BudgetPeriod })
        var period: BudgetPeriod?
        func run() async throws {
            try await hub.run(Admin.BudgetsRemove(key: subject.key, user: subject.user, team: subject.team, period: period)) { _ in
                "Removed."
            }
        }
    }
}

struct LimitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limits", abstract: "Rate limits per key, user or team: requests and tokens per minute, concurrent requests.",
        subcommands: [Set.self, List.self, Remove.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set rate limits of a subject; limits not given stay as they were.",
            discussion: "Calls beyond a limit are refused with 429 and Retry-After.")
        @OptionGroup var hub: HubOptions
        @OptionGroup var subject: SubjectOptions
        @Option(help: "Requests per minute.") var rpm: Int?
        @Option(help: "Tokens (in + out) per minute.") var tpm: Int?
        @Option(help: "Requests at once.") var concurrency: Int?
        func run() async throws {
            let set = Admin.LimitsSet(key: subject.key, user: subject.user, team: subject.team, rpm: rpm, tpm: tpm, concurrency: concurrency)
            try await hub.run(set) { Render.limits([$0]) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rate limits, of one subject or of all.")
        @OptionGroup var hub: HubOptions
        @OptionGroup var subject: SubjectOptions
        func run() async throws {
            try await hub.run(Admin.LimitsList(key: subject.key, user: subject.user, team: subject.team), render: Render.limits)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift every rate limit of a subject.")
        @OptionGroup var hub: HubOptions
        @OptionGroup var subject: SubjectOptions
        func run() async throws {
            try await hub.run(Admin.LimitsRemove(key: subject.key, user: subject.user, team: subject.team)) { _ in "Removed." }
        }
    }
}

/// `keys set-team` and `keys scope`: registered in ``KeysCommand``.
extension KeysCommand {
    struct SetTeam: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-team", abstract: "Make a key spend for a team (its user must be a member), or detach it.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Key id or prefix (ahk_…).") var key: String
        @Argument(help: "Team name or id; leave out to detach the key.") var team: String?
        func run() async throws {
            try await hub.run(Admin.KeysSetTeam(key: key, team: team)) {
                "Key \($0.prefix)… (id \($0.id ?? 0)) " + (team.map { "now spends for \($0)." } ?? "belongs to no team.")
            }
        }
    }

    struct Scope: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or limit what a key may do: models, expiry, client address ranges.",
            discussion: "Without options it shows the key's scope. A refused call names the scope: model_not_allowed, key_expired, address_not_allowed.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Key id or prefix (ahk_…).") var key: String
        @Option(parsing: .upToNextOption, help: ArgumentHelp("Model patterns, e.g. 'openai/gpt-4o*' 'mock-*'.", valueName: "glob"))
        var models: [String] = []
        @Option(help: ArgumentHelp("When the key stops working: 2026-12-31 or 2026-12-31T18:00:00Z.", valueName: "date"),
                transform: Parse.time)
        var expires: Date?
        @Option(parsing: .upToNextOption, help: ArgumentHelp("Client address ranges, e.g. 10.0.0.0/8 2001:db8::/32.", valueName: "cidr"))
        var cidr: [String] = []
        @Option(parsing: .upToNextOption, help: ArgumentHelp("Lift a restriction: models, expiry or cidrs.", valueName: "what"))
        var clear: [String] = []
        func run() async throws {
            guard !models.isEmpty || expires != nil || !cidr.isEmpty || !clear.isEmpty else {
                try await hub.run(Admin.KeysScopes(key: key), render: Render.keyScope)
                return
            }
            let scope = Admin.KeysScope(key: key, models: models.isEmpty ? nil : models, expiresAt: expires,
                                        cidrs: cidr.isEmpty ? nil : cidr, clear: clear.isEmpty ? nil : clear)
            try await hub.run(scope, render: Render.keyScope)
        }
    }
}

/// `settings set --default-key-rpm …`: the limits of keys without their own, in one mode.
struct DefaultKeyLimitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The mode the --default-key-* limits are for (default: both).", valueName: "mode"), transform: Parse.mode)
    var defaultsMode: DeploymentMode?
    @Option(help: ArgumentHelp("Default requests per minute of a key (0: none).", valueName: "n")) var defaultKeyRpm: Int?
    @Option(help: ArgumentHelp("Default tokens per minute of a key (0: none).", valueName: "n")) var defaultKeyTpm: Int?
    @Option(help: ArgumentHelp("Default concurrent requests of a key (0: none).", valueName: "n")) var defaultKeyConcurrency: Int?

    var given: Bool { defaultKeyRpm != nil || defaultKeyTpm != nil || defaultKeyConcurrency != nil }

    func applied(to current: DefaultKeyLimits) throws(HubError) -> DefaultKeyLimits {
        func merge(_ values: LimitValues?) throws(HubError) -> LimitValues? {
            var values = values ?? LimitValues()
            for (given, path) in [(defaultKeyRpm, \LimitValues.rpm), (defaultKeyTpm, \.tpm), (defaultKeyConcurrency, \.concurrency)] {
                guard let given else { continue }
                guard given >= 0 else { throw HubError.invalid("default key limits must not be negative, got \(given)") }
                values[keyPath: path] = given == 0 ? nil : given
            }
            return values.isEmpty ? nil : values
        }
        var limits = current
        if defaultsMode != .enterprise { limits.serviceProvider = try merge(limits.serviceProvider) }
        if defaultsMode != .serviceProvider { limits.enterprise = try merge(limits.enterprise) }
        return limits
    }
}
