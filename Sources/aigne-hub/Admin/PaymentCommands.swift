import ArgumentParser
import HubCore

struct PaymentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments",
        abstract: "Payments received by webhook, the pending ones to resolve, and the webhooks' signing secrets.",
        subcommands: [List.self, Preview.self, Resolve.self, Secret.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Payments and refunds, newest first.")
        @OptionGroup var hub: HubOptions
        @Flag(help: "Only those waiting for support: unknown user or package, or a refund before its purchase.")
        var pending = false
        @Option(help: "Only payments applied to this user (name or id).") var user: String?
        @Option(help: "At most this many.") var limit: Int?
        func run() async throws {
            try await hub.run(Admin.PaymentsList(pending: pending, user: user, limit: limit), render: BillingRender.payments)
        }
    }

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What `payments resolve` would do with the same arguments, without doing it.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "The payment's id (from `payments list --pending`).") var id: Int64
        @Option(help: "The user who paid (name or id).") var user: String
        @Option(help: "The package bought (name or id), when the event named none or a wrong one.") var package: String?
        func run() async throws {
            try await hub.run(Admin.PaymentsPreview(payment: id, user: user, package: package), render: { p in
                let what = p.plan.map { "plan \($0)" } ?? "package \(p.package ?? "")"
                var lines = ["Payment #\(p.payment.id ?? 0) (\(p.payment.processor.rawValue) \(p.payment.eventId)) to \(p.user): "
                    + "+\(p.credits) credits (\(what)), balance \(p.balanceBefore) → \(p.balanceAfter)."]
                if p.packageActive == false { lines.append("The package is disabled: it is applied because it was paid for.") }
                if p.refundsWaiting > 0 { lines.append("\(p.refundsWaiting) refund(s) waiting for it follow and take credits back.") }
                return lines.joined(separator: "\n")
            })
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a pending purchase to the user it was meant for.",
            discussion: "The package is the one the event named, unless --package gives another. Refunds of it that arrived first follow.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "The payment's id (from `payments list --pending`).") var id: Int64
        @Option(help: "The user who paid (name or id).") var user: String
        @Option(help: "The package bought (name or id), when the event named none or a wrong one.") var package: String?
        func run() async throws {
            try await hub.run(Admin.PaymentsResolve(payment: id, user: user, package: package), render: BillingRender.payment)
        }
    }

    struct Secret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "secret",
            abstract: "Signing secrets of payment webhooks, sealed like provider secrets. Several at once allow rotation.",
            subcommands: [Add.self, List.self, Remove.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a signing secret (Stripe's whsec_…, or the generic scheme's shared secret).")
            @OptionGroup var hub: HubOptions
            @Argument(help: "stripe or generic.", transform: { try Parse.choice($0, "processor") as PaymentProcessor })
            var processor: PaymentProcessor
            @OptionGroup var secret: SecretInput
            func validate() throws { try secret.validate(required: true) }
            func run() async throws {
                let add = Admin.WebhookSecretsAdd(processor: processor, secret: try secret.read() ?? "")
                try await hub.run(add) { "Added \($0.processor.rawValue) webhook secret #\($0.id) (\($0.secretMasked))." }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the secrets, masked.")
            @OptionGroup var hub: HubOptions
            func run() async throws { try await hub.run(Admin.WebhookSecretsList(), render: BillingRender.secrets) }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a secret: events signed only with it are refused.")
            @OptionGroup var hub: HubOptions
            @Argument(help: "The secret's id (from `payments secret list`).") var id: Int64
            func run() async throws {
                try await hub.run(Admin.WebhookSecretsRemove(id: id)) { _ in "Removed webhook secret #\(id)." }
            }
        }
    }
}
