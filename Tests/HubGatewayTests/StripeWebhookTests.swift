import Foundation
import GRDB
import HubTestSupport
import Testing

/// Payment webhooks against a real hub process, signed and checked by Stripe's own Python library
/// (Tests/e2e/stripe_webhooks.py): valid, replayed, tampered, stale, wrong-secret and rotated
/// events, 50 concurrent replays, pending payments resolved from the CLI, a refund beyond the balance.
@Suite struct StripeWebhookTests {
    @Test func stripesOwnLibraryAgreesWithTheHub() async throws {
        let fixture = try HubFixture()
        let old = "whsec_old_0123456789abcdefghij", new = "whsec_new_9876543210zyxwvutsrq"
        try fixture.admin(["packages", "add", "starter", "--price", "10", "--currency", "usd", "--credits", "100", "--bonus", "10"])
        for name in ["alice", "bob", "dave"] { try fixture.admin(["users", "add", name]) }
        for secret in [old, new] {
            try fixture.admin(["payments", "secret", "add", "stripe", "--secret-env", "SECRET"], environment: ["SECRET": secret])
        }

        let script = AigneHubBinary.packageRoot.appendingPathComponent("Tests/e2e/stripe_webhooks.py").path
        let environment = ["HUB": fixture.hub.url, "HUB_BIN": try AigneHubBinary.path(), "HUB_DATA_DIR": fixture.dataDir,
                           "OLD_SECRET": old, "NEW_SECRET": new]
        do {
            try runPythonScript(script, ["main"], environment: environment)
            // Rotation finished: the old secret goes; events signed with it are refused from now on.
            let secrets = try JSONSerialization.jsonObject(with: Data(try fixture.admin(["payments", "secret", "list", "--json"]).utf8))
                as? [[String: Any]] ?? []
            try fixture.admin(["payments", "secret", "remove", "\(secrets.first?["id"] as? Int ?? 0)"])
            try runPythonScript(script, ["after-rotation"], environment: environment)
        } catch {
            Issue.record("\(error)\nhub log:\n\(fixture.hub.log)")
            return
        }

        let state = try await fixture.database().read { db in
            (balances: try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT name, balance FROM users")
                .map { ($0["name"] as String, $0["balance"] as Int64) }),
             raced: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM payments WHERE event_id = 'evt_race'"),
             refused: try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM payments WHERE event_id IN ('evt_tampered', 'evt_stale', 'evt_wrong', 'evt_after_old')
                """),
             purchases: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger WHERE kind = 'purchase'"),
             owed: try Int64.fetchOne(db, sql: "SELECT owed FROM payments WHERE event_id = 'evt_dave_refund'"))
        }
        let credits = { (units: Int64) in units * 1_000_000_000 }
        // alice: valid, old and new secret, the race (once), the resolved unknown package, after rotation.
        #expect(state.balances["alice"] == credits(660))
        #expect(state.balances["bob"] == credits(110), "the unknown user's payment, resolved to bob")
        #expect(state.balances["dave"] == 0)
        #expect(state.owed == credits(100))
        #expect(state.raced == 1 && state.refused == 0 && state.purchases == 8)
        #expect(try fixture.ledgerInvariantHolds())
    }
}

/// The Python the billing tests run their scripts with: the tests' own environment, with `stripe`
/// and `openai` from Tests/e2e/requirements.txt (``PythonEnvironment``).
func billingPython() throws -> String { try PythonEnvironment.interpreter() }

/// Runs a Python script with arguments; throws with its output when it fails.
@discardableResult
func runPythonScript(_ script: String, _ arguments: [String], environment: [String: String]) throws -> String {
    let outcome = try ChildProcess.run("/usr/bin/env", [try billingPython(), script] + arguments, environment: environment)
    guard outcome.status == 0 else { throw TestFailure("\(script) \(arguments) failed: \(outcome.stdout)\(outcome.stderr)") }
    return outcome.stdout
}
