import Foundation
import HubTestSupport
import Testing
@testable import HubCore

@Suite("aigne-hub CLI")
struct CLITests {
    /// A data directory set up through the CLI itself.
    final class CLIHub: Sendable {
        let directory: String
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)").path
            let result = try Binary.run(["init", "--data-dir", directory, "--mode", "enterprise"])
            guard result.status == 0 else { throw HubError(.internal, "init failed: \(result.stderr)") }
        }
        deinit { try? FileManager.default.removeItem(atPath: directory) }

        func admin(_ arguments: [String], stdin: String? = nil) throws -> ProcessOutcome {
            try Binary.run(["admin"] + arguments, stdin: stdin, environment: ["AIGNE_HUB_HOME": directory])
        }

        /// Runs an admin verb with --json and decodes its output as JSON.
        func json(_ arguments: [String], stdin: String? = nil) throws -> Any {
            let result = try admin(arguments + ["--json"], stdin: stdin)
            guard result.status == 0 else { throw HubError(.internal, "\(arguments) failed: \(result.stderr)") }
            return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        }
    }

    @Test("the examples of the issue work as written, and --json gives parseable JSON")
    func issueExamples() async throws {
        let hub = try CLIHub()
        let alice = try hub.json(["users", "add", "alice", "--email", "alice@example.com"]) as? [String: Any]
        #expect(alice?["name"] as? String == "alice" && alice?["status"] as? String == "active")
        let key = try hub.json(["keys", "create", "alice", "--name", "ci"]) as? [String: Any]
        #expect((key?["secret"] as? String)?.hasPrefix("ahk_") == true)
        let grant = try hub.json(["users", "grant", "alice", "25", "--reason", "refund for outage"]) as? [String: Any]
        #expect(grant?["balance_after"] as? String == "25")
        let shown = try hub.json(["users", "show", "alice"]) as? [String: Any]
        #expect((shown?["user"] as? [String: Any])?["balance"] as? String == "25")
        let preview = try hub.json(["mode", "preview", "service-provider"]) as? [String: Any]
        #expect(preview?["users_without_balance"] as? Int == 0)
        let provider = try hub.json(["providers", "add", "openai", "--kind", "openai-compatible", "--base-url", "https://api.openai.com/v1"]) as? [String: Any]
        #expect(provider?["base_url"] as? String == "https://api.openai.com/v1")
        let rate = try hub.json(["rates", "set", "openai/gpt-4o", "--input", "2.5", "--output", "10", "--per", "1M"]) as? [String: Any]
        #expect((rate?["rate"] as? [String: Any])?["output_rate"] as? String == "10")
        let credential = try hub.json(["credentials", "add", "openai", "--name", "main", "--secret-stdin"], stdin: "sk-live-0123456789abcdef\n") as? [String: Any]
        #expect(credential?["secret_masked"] as? String == "sk-…cdef")
        let listed = try hub.json(["credentials", "list"]) as? [[String: Any]]
        #expect(listed?.count == 1 && !String(describing: listed).contains("0123456789"))
        for verb in [["mode", "get"], ["users", "list"], ["users", "ledger", "alice"], ["keys", "list"], ["providers", "list"],
                     ["rates", "list"], ["rates", "history", "openai/gpt-4o"], ["usage", "summary", "--by", "model"],
                     ["usage", "recent"], ["audit", "list"], ["settings", "get"]] {
            #expect(throws: Never.self, "\(verb)") { _ = try hub.json(verb) }
        }
        let set = try hub.json(["mode", "set", "service-provider"]) as? [String: Any]
        #expect(set?["mode"] as? String == "service-provider")
        let table = try hub.admin(["users", "list"])
        #expect(table.stdout.contains("alice") && table.stdout.contains("25.0000"))
    }

    @Test("bad input prints one line naming the problem, exits non-zero and changes nothing", arguments: [
        (["users", "show", "bob"], "unknown user 'bob'", Int32(1)),
        (["users", "grant", "alice", "12,5", "--reason", "x"], "'12,5' is not an amount", 64),
        (["users", "grant", "alice", "--reason", "x", "--", "-5"], "the amount must be greater than zero, got -5", 1),
        (["users", "deduct", "alice", "100", "--reason", "x"], "alice has 10 credits: taking 100 would leave -90", 1),
        (["mode", "set", "freemium"], "unknown mode 'freemium'", 64),
        (["users", "grant", "alice", "5"], "Missing expected argument '--reason <reason>'", 64),
        (["providers", "add", "x", "--kind", "bedrock", "--base-url", "https://x"], "unknown provider kind 'bedrock'", 64),
        (["rates", "set", "openai/gpt-4o", "--input", "1", "--per", "2M"], "unknown price unit '2M'", 64),
        (["users", "list", "--status", "gone"], "unknown status 'gone'", 64),
    ] as [([String], String, Int32)])
    func badInput(arguments: [String], message: String, status: Int32) async throws {
        let hub = try CLIHub()
        _ = try hub.admin(["users", "add", "alice"])
        _ = try hub.admin(["users", "grant", "alice", "10", "--reason", "seed"])
        let before = try hub.admin(["audit", "list", "--json"]).stdout + (try hub.admin(["users", "ledger", "alice", "--json"]).stdout)
        let result = try hub.admin(arguments)
        #expect(result.status == status)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(message), "stderr: \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "stderr: \(result.stderr)")
        let after = try hub.admin(["audit", "list", "--json"]).stdout + (try hub.admin(["users", "ledger", "alice", "--json"]).stdout)
        #expect(after == before)
    }

    @Test("errors come out as JSON with --json, and a missing hub is exit 2")
    func jsonErrorsAndMissingHub() async throws {
        let missing = try Binary.run(["admin", "users", "list", "--data-dir", "/nonexistent/hub", "--json"])
        #expect(missing.status == 2)
        let error = try JSONSerialization.jsonObject(with: Data(missing.stderr.utf8)) as? [String: [String: String]]
        #expect(error?["error"]?["code"] == "storage")
        #expect(error?["error"]?["message"]?.contains("aigne-hub init") == true)
    }

    @Test("init refuses an existing hub and creates the key file 0600")
    func initRefusesExisting() async throws {
        let hub = try CLIHub()
        let again = try Binary.run(["init", "--data-dir", hub.directory])
        #expect(again.status == 1 && again.stderr.contains("already holds a hub"))
        let mode = try FileManager.default.attributesOfItem(atPath: hub.directory + "/secret.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
