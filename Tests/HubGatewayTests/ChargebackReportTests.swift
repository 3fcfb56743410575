import Foundation
import GRDB
import HubCore
import HubTestSupport
import Testing

/// `aigne-hub admin report chargeback` against a real hub with real traffic: the CSV, parsed by Python's
/// `csv` module, adds up to the ledger and to the raw usage events, to the nano-unit.
@Suite struct ChargebackReportTests {
    @Test func chargebackCSVAddsUpToTheLedgerAndTheUsageEvents() async throws {
        let fixture = try HubFixture()
        let alice = try fixture.user("alice", credits: "100")
        let bob = try fixture.user("bob", credits: "100")
        for key in [alice.key, bob.key] { #expect(try await AccountBillingTests.keyAccepted(fixture, key)) }
        let calls = [(alice.key, 12), (bob.key, 7)]
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for (key, count) in calls {
                for index in 0..<count {
                    group.addTask {
                        try await TestHTTP.post(fixture.baseURL + "/chat/completions", key: key,
                                                body: TestHTTP.chatBody(maxTokens: 5 + index)).status
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        // Calls charged to teams (written as gov-control's settlement writes them: the team of the key).
        try UsageSeed.insert(fixture.dataDir + "/hub.sqlite", count: 0)   // makes teams t0 and t1
        let writer = try UsageSeed.writer(fixture.dataDir + "/hub.sqlite")
        try await writer.write { db in
            for (index, team) in ["t0", "t1", "t0", "t1", "t0"].enumerated() {
                try db.execute(sql: """
                    INSERT INTO usage_events (request_id, user_id, team_id, provider_id, model, tokens_in, tokens_out,
                                              provider_cost, status, usage_source, created_at)
                    VALUES (?, ?, (SELECT id FROM teams WHERE name = ?), (SELECT id FROM providers WHERE name = 'mock'),
                            'mock-model', 11, 7, ?, 200, 'upstream', ?)
                    """, arguments: ["team-\(index)", alice.id, team, 1_000_000_007 + index, Date()])
            }
        }
        try writer.close()
        let written = try await fixture.eventually(30) {
            try fixture.database().read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_events WHERE status = 200 AND request_id NOT LIKE 'team-%'")
            } == 19
        }
        #expect(written)

        let month = String(UsageRollup.day(Date()).prefix(7))
        let script = AigneHubBinary.packageRoot.appendingPathComponent("Tests/e2e/chargeback_csv.py").path
        for by in ["user", "team", "model"] {
            let csv = try fixture.admin(["report", "chargeback", "--month", month, "--by", by, "--format", "csv"])
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("chargeback-\(UUID().uuidString).csv")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(csv.utf8).write(to: file)
            let checked = try PythonEnvironment.run(script, [file.path, fixture.dataDir + "/hub.sqlite", month, by])
            let summary = try JSONSerialization.jsonObject(with: Data(checked.utf8)) as? [String: Any]
            // Not a vacuous pass: the report holds the traffic, the charges and the provider cost.
            // (Refused calls from before the hub knew the keys count too, as calls of no user and no model.)
            #expect((summary?["calls"] as? Int ?? 0) >= 24, "\(by): \(checked)")
            #expect((summary?["credits_nanos"] as? Int ?? 0) > 0, "\(by): \(checked)")
            #expect((summary?["cost_nanos"] as? Int ?? 0) > 5_000_000_000, "\(by): \(checked)")
        }
        let teams = try fixture.admin(["report", "chargeback", "--month", month, "--by", "team", "--json"])
        let report = try HubJSON.decoder().decode(ChargebackReport.self, from: Data(teams.utf8))
        #expect(report.rows.map(\.label).sorted() == ["(no team)", "t0", "t1"])
        #expect(report.rows.first { $0.key == "t0" }?.providerCost == Amount(nanos: 3 * 1_000_000_007 + 0 + 2 + 4))
        #expect(report.timeZone == "UTC")
        #expect(try fixture.ledgerInvariantHolds())
    }

    @Test func badInputIsRefusedWithOneLineAndChangesNothing() async throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        try runHub(["init", "--data-dir", dataDir])
        let taken = dataDir + "/taken.csv"
        try Data("mine".utf8).write(to: URL(fileURLWithPath: taken))
        let cases: [([String], String)] = [
            (["report", "chargeback", "--month", "2026-13"], "is not a month"),
            (["report", "chargeback", "--month", "November"], "is not a month"),
            (["report", "chargeback", "--month", "2026-11", "--by", "planet"], "unknown grouping 'planet'"),
            (["retention", "set", "0"], "between 1 and 36500 days"),
            (["retention", "set", "ninety"], "is not a number of days"),
            (["usage", "export", "--since", "1d", "--until", "2d"], "the range is empty"),
            (["usage", "export", "--since", "1d", "--page-size", "0"], "limit must be between 1 and 10000"),
            (["usage", "export", "--since", "1d", "--output", taken], "exists"),
            (["usage", "export", "--since", "1d", "--until", "2d", "--output", dataDir + "/new.csv"], "the range is empty"),
        ]
        for (arguments, message) in cases {
            let outcome = try AigneHubBinary.run(["admin"] + arguments + ["--data-dir", dataDir])
            #expect(outcome.status != 0, "\(arguments)")
            #expect(outcome.stderr.contains(message), "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.split(separator: "\n").count == 1, "\(arguments): \(outcome.stderr)")
        }
        #expect(try String(contentsOfFile: taken, encoding: .utf8) == "mine")
        #expect(!FileManager.default.fileExists(atPath: dataDir + "/new.csv"))
        #expect(!FileManager.default.fileExists(atPath: dataDir + "/new.csv.partial"))
        let status = try runHub(["admin", "retention", "--json", "--data-dir", dataDir])
        #expect(!status.contains("\"days\""), "\(status)")
    }
}
