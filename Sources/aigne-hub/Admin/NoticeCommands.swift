import ArgumentParser
import HubCore

struct NoticesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notices",
        abstract: "Signed webhooks to the operator (low_balance, payment_applied, payment_pending, subscription_renewed, subscription_past_due) and their delivery.",
        subcommands: [List.self, Endpoint.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Notices and their delivery, newest first.")
        @OptionGroup var hub: HubOptions
        @Flag(help: "Only those not delivered yet.") var pending = false
        @Option(help: "At most this many.") var limit: Int?
        func run() async throws {
            try await hub.run(Admin.NoticesList(pending: pending, limit: limit)) { entries in
                var table = TextTable("ID", "NOTICE", "TYPE", "ENDPOINT", "CREATED", "ATTEMPTS", "DELIVERED", "NEXT TRY", "LAST ERROR",
                                      rightAligned: [0, 5])
                for e in entries {
                    table.add("\(e.id ?? 0)", e.noticeId, e.kind, "#\(e.endpointId)", Show.date(e.createdAt), "\(e.attempts)",
                              Show.date(e.deliveredAt), e.deliveredAt == nil ? Show.date(e.nextAttemptAt) : "-",
                              e.lastError ?? e.lastStatus.map { "HTTP \($0)" } ?? "-")
                }
                return table.rendered
            }
        }
    }

    struct Endpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "endpoint", abstract: "Where notices go, and the secret they are signed with.",
            subcommands: [Add.self, List.self, Remove.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Send notices to a URL, signed X-Signature: sha256=HMAC(body).")
            @OptionGroup var hub: HubOptions
            @Argument(help: "An http(s) URL.") var url: String
            @OptionGroup var secret: SecretInput
            func validate() throws { try secret.validate(required: true) }
            func run() async throws {
                try await hub.run(Admin.NoticeEndpointsAdd(url: url, secret: try secret.read() ?? "")) {
                    "Notices go to \($0.url) (endpoint #\($0.id), secret \($0.secretMasked))."
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List endpoints, secrets masked.")
            @OptionGroup var hub: HubOptions
            func run() async throws {
                try await hub.run(Admin.NoticeEndpointsList()) { endpoints in
                    var table = TextTable("ID", "URL", "SECRET", "ENABLED", "ADDED", rightAligned: [0])
                    for e in endpoints { table.add("\(e.id)", e.url, e.secretMasked, Show.flag(e.enabled), Show.date(e.createdAt)) }
                    return table.rendered
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Stop sending to an endpoint; its undelivered notices are dropped.")
            @OptionGroup var hub: HubOptions
            @Argument(help: "The endpoint's id.") var id: Int64
            func run() async throws { try await hub.run(Admin.NoticeEndpointsRemove(id: id)) { _ in "Removed notice endpoint #\(id)." } }
        }
    }
}
