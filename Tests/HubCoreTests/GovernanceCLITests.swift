import Foundation
import HubTestSupport
import Testing
@testable import HubCore

/// The governance verbs of the CLI (issue 12): parseable `--json`, one-line errors that change nothing.
@Suite("aigne-hub CLI: teams, budgets, limits, key scopes")
struct GovernanceCLITests {
    @Test("the issue's commands work as written and --json gives parseable JSON")
    func commands() async throws {
        let hub = try CLITests.CLIHub()
        _ = try hub.json(["users", "add", "alice"])
        let team = try hub.json(["teams", "add", "research", "--description", "the lab"]) as? [String: Any]
        #expect(team?["name"] as? String == "research")
        #expect(try hub.json(["teams", "add-member", "research", "alice"]) as? [String: Any] != nil)
        let key = try hub.json(["keys", "create", "alice", "--name", "lab", "--team", "research"]) as? [String: Any]
        #expect((key?["key"] as? [String: Any])?["team_id"] as? Int == team?["id"] as? Int)
        let budget = try hub.json(["budgets", "set", "--team", "research", "--amount", "12.5", "--period", "week", "--soft", "80"])
            as? [String: Any]
        #expect(budget?["amount"] as? String == "12.5" && budget?["soft"] as? Int == 80 && budget?["spent"] as? String == "0")
        #expect((budget?["subject"] as? [String: Any])?["kind"] as? String == "team")
        let limit = try hub.json(["limits", "set", "--user", "alice", "--rpm", "60", "--concurrency", "2"]) as? [String: Any]
        #expect(limit?["rpm"] as? Int == 60 && limit?["tpm"] == nil)
        let scope = try hub.json(["keys", "scope", "1", "--models", "openai/gpt-4o*", "mock-*", "--cidr", "10.0.0.0/8",
                                  "--expires", "2099-01-01"]) as? [String: Any]
        #expect(scope?["models"] as? [String] == ["openai/gpt-4o*", "mock-*"] && scope?["cidrs"] as? [String] == ["10.0.0.0/8"])
        let cleared = try hub.json(["keys", "scope", "1", "--clear", "models", "expiry"]) as? [String: Any]
        #expect(cleared?["models"] as? [String] == [] && cleared?["expires_at"] == nil)
        let shown = try hub.json(["teams", "show", "research"]) as? [String: Any]
        #expect((shown?["budgets"] as? [Any])?.count == 1 && (shown?["members"] as? [Any])?.count == 1)
        let listed = try hub.json(["teams", "list"]) as? [[String: Any]]
        #expect(listed?.first?["keys"] as? Int == 1)
        let settings = try hub.json(["settings", "set", "--time-zone", "Europe/Berlin", "--default-key-rpm", "100",
                                     "--defaults-mode", "enterprise"]) as? [String: Any]
        #expect(settings?["governance_time_zone"] as? String == "Europe/Berlin")
        #expect(((settings?["default_key_limits"] as? [String: Any])?["enterprise"] as? [String: Any])?["rpm"] as? Int == 100)
        let text = try hub.admin(["budgets", "list"])
        #expect(text.status == 0 && text.stdout.contains("team research") && text.stdout.contains("week"))
    }

    @Test("bad input: one line on stderr, a non-zero exit, nothing changed")
    func badInput() async throws {
        let hub = try CLITests.CLIHub()
        _ = try hub.json(["users", "add", "bob"])
        _ = try hub.json(["teams", "add", "ops"])
        let audit = try hub.json(["audit", "list"]) as? [Any]
        for arguments in [
            ["budgets", "set", "--user", "bob", "--team", "ops", "--amount", "1", "--period", "day"],
            ["budgets", "set", "--user", "bob", "--amount", "1", "--period", "fortnight"],
            ["budgets", "set", "--user", "bob", "--amount", "1.0000000001", "--period", "day"],
            ["limits", "set", "--team", "ops", "--rpm", "0"],
            ["keys", "scope", "1", "--cidr", "10.0.0.0/40"],
            ["keys", "create", "bob", "--name", "k", "--team", "ops"],
            ["settings", "set", "--time-zone", "Nowhere/Land"],
            ["teams", "remove", "nope"],
        ] {
            let result = try hub.admin(arguments)
            #expect(result.status != 0, "\(arguments) succeeded")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(arguments): \(result.stderr)")
        }
        #expect((try hub.json(["audit", "list"]) as? [Any])?.count == audit?.count, "a refused command changed something")
    }
}
