import ArgumentParser
import HubCore

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Users, their status and their credits. Name a user by name or id.",
        subcommands: [Add.self, List.self, Show.self, Suspend.self, Resume.self, Grant.self, Deduct.self, Ledger.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user (with starter credits, when the mode and settings give them).")
        @OptionGroup var hub: HubOptions
        @Argument(help: "The user's name (unique, not all digits).") var name: String
        @Option(help: "The user's email address.") var email: String?
        func run() async throws {
            try await hub.run(Admin.UsersAdd(name: name, email: email)) {
                "Created user \($0.name) (id \($0.id ?? 0)), balance \($0.balance)."
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users by name.")
        @OptionGroup var hub: HubOptions
        @Option(help: "Only users whose name or email contains this.") var filter: String?
        @Option(help: "active or suspended.", transform: { try Parse.choice($0, "status") as UserStatus })
        var status: UserStatus?
        @Option(help: "At most this many.") var limit: Int?
        func run() async throws {
            try await hub.run(Admin.UsersList(filter: filter, status: status, limit: limit), render: Render.users)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A user with keys, recent ledger and this month's spend.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "User name or id.") var user: String
        func run() async throws { try await hub.run(Admin.UsersShow(user: user), render: Render.userDetail) }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse every call of a user until resumed.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "User name or id.") var user: String
        @Option(help: "Why (kept in the audit log).") var reason: String?
        func run() async throws {
            try await hub.run(Admin.UsersSuspend(user: user, reason: reason)) { "\($0.name) is suspended." }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a suspension.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "User name or id.") var user: String
        @Option(help: "Why (kept in the audit log).") var reason: String?
        func run() async throws {
            try await hub.run(Admin.UsersResume(user: user, reason: reason)) { "\($0.name) is active." }
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add credits to a user's balance.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "User name or id.") var user: String
        @Argument(help: "Credits to add, e.g. 25 or 0.5.", transform: Parse.amount) var amount: Amount
        @Option(help: "Why (required; kept in the ledger).") var reason: String
        @Option(help: "grant, purchase or refund.", transform: { try Parse.choice($0, "ledger kind") as LedgerKind })
        var kind: LedgerKind?
        @Option(help: "A key that makes a retry of this exact grant a no-op.") var idempotencyKey: String?
        func run() async throws {
            let grant = Admin.UsersGrant(user: user, amount: amount, reason: reason, kind: kind, idempotencyKey: idempotencyKey)
            try await hub.run(grant, render: Render.ledgerEntry)
        }
    }

    struct Deduct: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take credits from a user's balance. Refused if it would go below zero.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "User name or id.") var user: String
        @Argument(help: "Credits to take, e.g. 5.", transform: Parse.amount) var amount: Amount
        @Option(help: "Why (required; kept in the ledger).") var reason: String
        @Option(help: "A key that makes a retry of this exact deduction a no-op.") var idempotencyKey: String?
        func run() async throws {
            let deduct = Admin.UsersDeduct(user: user, amount: amount, reason: reason, idempotencyKey: idempotencyKey)
            try await hub.run(deduct, render: Render.ledgerEntry)
        }
    }

    struct Ledger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A user's ledger, newest first.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "User name or id.") var user: String
        @Option(help: "At most this many entries.") var limit: Int?
        func run() async throws { try await hub.run(Admin.UsersLedger(user: user, limit: limit), render: Render.ledger) }
    }
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Client API keys. The secret is shown once, at creation.",
        subcommands: [Create.self, List.self, Revoke.self, SetTeam.self, Scope.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key for a user and print its secret once.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "User name or id.") var user: String
        @Option(help: "What the key is for, e.g. ci.") var name: String
        @Option(help: "The team the key spends for (the user must be a member).") var team: String?
        func run() async throws {
            try await hub.run(Admin.KeysCreate(user: user, name: name, team: team)) {
                "\($0.secret)\nKey \($0.key.name) for \($0.userName) (id \($0.key.id ?? 0)). The secret above is shown this once."
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys, of one user or of all.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "User name or id.") var user: String?
        func run() async throws { try await hub.run(Admin.KeysList(user: user), render: Render.keys) }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key, named by id or visible prefix.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Key id or prefix (ahk_…).") var key: String
        func run() async throws {
            try await hub.run(Admin.KeysRevoke(key: key)) { "Revoked key \($0.prefix)… (id \($0.id ?? 0))." }
        }
    }
}
