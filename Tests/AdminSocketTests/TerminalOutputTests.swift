import Foundation
import GRDB
import HubAdmin
@testable import HubCore
import HubTestSupport
import Synchronization
import Testing

/// Data holding characters a terminal acts on (a model name a caller chose, a user written into
/// the database by something else) never reaches the operator's terminal raw: the CLI prints
/// visible escapes, and its JSON stays exact JSON with those characters escaped.
@Suite("Safe terminal output")
struct TerminalOutputTests {
    /// Sets the window title (OSC ... BEL), clears the screen (CSI 2J), reverses text (U+202E),
    /// opens an isolate (U+2066), and an 8-bit CSI (U+009B).
    static let evil = "gpt\u{1B}]0;pwned\u{07}\u{1B}[2J\u{202E}lave\u{2066}\u{9B}31m"

    static func raw(in text: String) -> [String] {
        text.unicodeScalars.filter { TerminalSafety.isUnsafe($0) && $0 != "\n" }.map { String(format: "U+%04X", $0.value) }
    }

    static func seed(_ hub: TestHub) async throws {
        let provider = try await hub.service.perform(
            Admin.ProvidersAdd(name: "openai", kind: .openAICompatible, baseUrl: "https://api.openai.com/v1"), actor: "test")
        try hub.insertUsage(3, providerId: provider.id, model: evil)
        try hub.store.sqliteWrite { db in
            try db.execute(sql: """
                INSERT INTO users (name, email, status, balance, created_at) VALUES (?, ?, 'active', 0, ?)
                """, arguments: ["mal\u{1B}[31mory\u{07}", "m\u{202E}@example.com", Date()])
        }
    }

    @Test("usage recent, usage summary --by model and users list print no raw control or bidi character",
          arguments: ["--socket", "--db"])
    func lists(_ option: String) async throws {
        try await withServer { hub, server in
            try await Self.seed(hub)
            let target = option == "--socket" ? server.path : hub.directory.path
            for verb in [["usage", "recent"], ["usage", "summary", "--by", "model"], ["users", "list"]] {
                let text = try AigneHubBinary.run(["admin"] + verb + [option, target])
                #expect(text.status == 0, "\(verb): \(text)")
                #expect(Self.raw(in: text.stdout).isEmpty, "\(verb) printed \(Self.raw(in: text.stdout)) raw: \(text.stdout)")
                #expect(text.stdout.contains("\\x1B"), "\(verb): the escape is visible: \(text.stdout)")

                let json = try AigneHubBinary.run(["admin"] + verb + [option, target, "--json"])
                #expect(json.status == 0, "\(verb): \(json)")
                #expect(Self.raw(in: json.stdout).isEmpty, "\(verb) --json printed \(Self.raw(in: json.stdout)) raw")
                let value = try JSONValue.parse(Data(json.stdout.utf8))
                let strings = Self.strings(in: value)
                #expect(strings.contains { $0.hasSuffix(Self.evil) } || strings.contains("mal\u{1B}[31mory\u{07}"),
                        "\(verb) --json keeps the exact value")
            }
        }
    }

    @Test("usage tail prints no raw control or bidi character", arguments: [false, true])
    func tail(json: Bool) async throws {
        try await withServer { hub, server in
            let tail = try BackgroundProcess.aigneHub(["admin", "usage", "tail", "--socket", server.path] + (json ? ["--json"] : []))
            defer { _ = Task { try? await tail.stop() } }
            // Keep writing until the tail shows one: it may subscribe a little after it starts.
            for _ in 0..<100 where !tail.stdout.contains("gpt") {
                try hub.insertUsage(1, model: Self.evil)
                try await Task.sleep(for: .milliseconds(100))
            }
            try await tail.waitFor("gpt")
            try await tail.stop()
            #expect(Self.raw(in: tail.stdout).isEmpty, "usage tail printed \(Self.raw(in: tail.stdout)) raw: \(tail.stdout)")
            if json {
                let line = try #require(tail.stdout.split(separator: "\n").first { $0.contains("gpt") })
                #expect(try JSONValue.parse(Data(line.utf8))["params"]?["model"] == .string(Self.evil))
            } else {
                #expect(tail.stdout.contains("gpt\\x1B]0;pwned\\x07\\x1B[2J\\u{202E}lave\\u{2066}\\u{009B}31m"), "\(tail.stdout)")
            }
        }
    }

    @Test("admin input holding ESC, BEL or a bidi override is refused through the socket and the database alike",
          arguments: ["--socket", "--db"])
    func inputRefused(_ option: String) async throws {
        try await withServer { hub, server in
            let target = option == "--socket" ? server.path : hub.directory.path
            let before = try hub.tableContents()
            for arguments in [["users", "add", "eve", "--email", "eve\u{1B}]0;x\u{07}@example.com"],
                              ["users", "add", "eve\u{202E}lave"],
                              ["settings", "set", "--payment-link", "https://pay.example.com/\u{1B}[2J"]] {
                let outcome = try AigneHubBinary.run(["admin"] + arguments + [option, target])
                #expect(outcome.status == 1, "\(arguments): \(outcome)")
                #expect(outcome.stderr.contains("only plain text is allowed"), "\(outcome)")
                #expect(Self.raw(in: outcome.stderr).isEmpty, "\(outcome)")
            }
            #expect(try hub.tableContents() == before)
        }
    }

    static func strings(in value: JSONValue) -> [String] {
        switch value {
        case .string(let text): [text]
        case .array(let items): items.flatMap(strings)
        case .object(let fields): fields.values.flatMap(strings)
        default: []
        }
    }
}
