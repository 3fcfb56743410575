import Foundation
import HubTestSupport
import Testing
@testable import HubCore

/// Admin text that is shown on terminals (names, emails, reasons, URLs, display names) is
/// refused when it holds a character a terminal acts on, with an error naming it, and nothing
/// changes. The check sits in the admin methods, so the socket and the database refuse alike.
@Suite("Admin input is plain text")
struct InputValidationTests {
    static let bad: [(String, String)] = [("\u{1B}[2J", "U+001B"), ("\u{07}", "U+0007"), ("\u{202E}", "U+202E"),
                                          ("\u{2067}", "U+2067"), ("\u{9B}", "U+009B"), ("\u{7F}", "U+007F"),
                                          ("\n", "U+000A")]

    /// Every admin method that stores such text, with `text` in the field under test.
    static func methods(_ text: String) -> [(String, any AdminMethod)] {
        [
            ("user name", Admin.UsersAdd(name: "bob" + text + "x")),
            ("email", Admin.UsersAdd(name: "bob", email: "bob" + text + "@example.com")),
            ("grant reason", Admin.UsersGrant(user: "alice", amount: Amount(nanos: 1), reason: "why" + text + "x")),
            ("deduct reason", Admin.UsersDeduct(user: "alice", amount: Amount(nanos: 1), reason: "why" + text + "x")),
            ("suspend reason", Admin.UsersSuspend(user: "alice", reason: "why" + text + "x")),
            ("key name", Admin.KeysCreate(user: "alice", name: "ci" + text + "x")),
            ("provider name", Admin.ProvidersAdd(name: "p" + text + "x", kind: .openAICompatible, baseUrl: "https://x.example")),
            ("base URL", Admin.ProvidersAdd(name: "p", kind: .openAICompatible, baseUrl: "https://x.example/" + text + "x")),
            ("display name", Admin.ProvidersAdd(name: "p", kind: .openAICompatible, baseUrl: "https://x.example", displayName: "P" + text + "x")),
            ("new base URL", Admin.ProvidersUpdate(provider: "openai", baseUrl: "https://x.example/" + text + "x")),
            ("credential name", Admin.CredentialsAdd(provider: "openai", name: "c" + text + "x", secret: "sk-0123456789abcdef")),
            ("payment link", Admin.SettingsSet(paymentLink: "https://pay.example/" + text + "x")),
            ("model name", Admin.RatesSet(model: "openai/gpt" + text + "x", input: Amount(nanos: 1))),
        ]
    }

    @Test("each text field refuses control, DEL, C1 and bidi characters and changes nothing")
    func refused() async throws {
        let hub = try TemporaryHub()
        try await hub.run(Admin.UsersAdd(name: "alice"))
        try await hub.run(Admin.UsersGrant(user: "alice", amount: Amount(nanos: 1_000), reason: "seed"))
        try await hub.run(Admin.ProvidersAdd(name: "openai", kind: .openAICompatible, baseUrl: "https://api.openai.com/v1"))
        let before = try hub.snapshot()
        for (text, code) in Self.bad {
            for (field, method) in Self.methods(text) {
                do {
                    _ = try await Self.perform(method, on: hub)
                    Issue.record("\(field) accepted \(code)")
                } catch {
                    #expect(error.code == .invalidArgument, "\(field) \(code): \(error)")
                    #expect(error.message.contains(code) && error.message.contains("only plain text"), "\(field): \(error.message)")
                }
            }
        }
        #expect(try hub.snapshot() == before)
    }

    @Test("plain text, CJK and emoji included, is accepted")
    func plainAccepted() async throws {
        let hub = try TemporaryHub()
        let user = try await hub.run(Admin.UsersAdd(name: "佐藤花子 🌸", email: "hanako@example.jp"))
        #expect(user.name == "佐藤花子 🌸")
        try await hub.run(Admin.UsersGrant(user: "佐藤花子 🌸", amount: Amount(nanos: 1), reason: "ようこそ — welcome"))
    }

    private static func perform<M: AdminMethod>(_ method: M, on hub: TemporaryHub) async throws(HubError) -> M.Result {
        try await hub.service.perform(method, actor: "test")
    }
}
