import ArgumentParser
import HubCore

private func parseInterval(_ text: String) throws(HubError) -> PlanInterval {
    switch text.lowercased() {
    case "month", "monthly": .month
    case "year", "yearly", "annual": .year
    default: throw HubError.invalid("unknown interval '\(text)': use monthly or yearly")
    }
}

struct PlansCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plans",
        abstract: "Plans: credits granted every month or year. Plan credits are spent first and expire at the period's end.",
        subcommands: [Add.self, List.self, Update.self, Disable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Define a plan.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "A unique name; invoices name the plan in metadata.plan.") var name: String
        @Option(help: "monthly or yearly.", transform: parseInterval) var interval: PlanInterval
        @Option(help: "Credits granted each period.", transform: Parse.amount) var credits: Amount
        @Option(help: "The price per period (for the revenue view).", transform: Parse.amount) var price: Amount?
        @Option(help: "The currency, e.g. usd.") var currency: String?
        @Option(help: "Unspent plan credits that carry into the next period (none if not given).", transform: Parse.amount)
        var rolloverCap: Amount?
        func run() async throws {
            let add = Admin.PlansAdd(name: name, interval: interval, credits: credits, price: price, currency: currency,
                                     rolloverCap: rolloverCap)
            try await hub.run(add) { "Added plan \($0.name): \($0.credits) credits every \($0.interval.rawValue)." }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List plans, active ones first.")
        @OptionGroup var hub: HubOptions
        func run() async throws {
            try await hub.run(Admin.PlansList()) { plans in
                var table = TextTable("ID", "NAME", "EVERY", "CREDITS", "PRICE", "ROLLOVER CAP", "ACTIVE", rightAligned: [0, 3, 4, 5])
                for p in plans {
                    table.add("\(p.id ?? 0)", p.name, p.interval.rawValue, p.credits.description,
                              "\(p.price.formatted(places: 2)) \(p.currency)", p.rolloverCap?.description ?? "-", Show.flag(p.active))
                }
                return table.rendered
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a plan (from the next period).")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Plan name or id.") var plan: String
        @Option(help: "New credits per period.", transform: Parse.amount) var credits: Amount?
        @Option(help: "A new price.", transform: Parse.amount) var price: Amount?
        @Option(help: "A new rollover cap.", transform: Parse.amount) var rolloverCap: Amount?
        @Flag(inversion: .prefixedEnableDisable, help: "Offer it again, or stop offering it.") var active: Bool?
        func run() async throws {
            let update = Admin.PlansUpdate(plan: plan, credits: credits, price: price, rolloverCap: rolloverCap, active: active)
            try await hub.run(update) { "Plan \($0.name): \($0.credits) credits every \($0.interval.rawValue)." }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop offering a plan; running subscriptions continue.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Plan name or id.") var plan: String
        func run() async throws { try await hub.run(Admin.PlansDisable(plan: plan)) { "Plan \($0.name) is disabled." } }
    }
}

struct SubscriptionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscriptions",
        abstract: "Users' plans: start, cancel, list. The hub renews those it sells; invoice.paid renews a processor's.",
        subcommands: [Start.self, Cancel.self, List.self])

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a user on a plan from now (the first period's credits at once).")
        @OptionGroup var hub: HubOptions
        @Argument(help: "User name or id.") var user: String
        @Option(help: "Plan name or id.") var plan: String
        @Option(help: "The processor's subscription id: its invoices renew it, not the hub.") var externalRef: String?
        func run() async throws {
            try await hub.run(Admin.SubscriptionsStart(user: user, plan: plan, externalRef: externalRef)) {
                "Subscription #\($0.id ?? 0) until \(Show.date($0.periodEnd)), renewed by the \($0.renewal.rawValue)."
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a user's subscription; this period's plan credits last until its end.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "User name or id.") var user: String
        func run() async throws {
            try await hub.run(Admin.SubscriptionsCancel(user: user)) { "Subscription #\($0.id ?? 0) is cancelled." }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Subscriptions, of one user or all.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "User name or id.") var user: String?
        func run() async throws {
            try await hub.run(Admin.SubscriptionsList(user: user)) { subscriptions in
                var table = TextTable("ID", "USER", "PLAN", "STATUS", "RENEWED BY", "PERIOD START", "PERIOD END", rightAligned: [0])
                for info in subscriptions {
                    let s = info.subscription
                    table.add("\(s.id ?? 0)", info.userName, info.planName, s.status.rawValue, s.renewal.rawValue,
                              Show.date(s.periodStart), Show.date(s.periodEnd))
                }
                return table.rendered
            }
        }
    }
}
