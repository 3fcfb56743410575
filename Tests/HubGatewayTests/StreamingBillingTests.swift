import Foundation
import GRDB
import HubTestSupport
import Testing

/// Streams are billed on what the upstream really produced, even when the client leaves, and a
/// SIGTERM under load loses no usage event.
@Suite struct StreamingBillingTests {
    @Test func clientDisconnectMidStreamIsBilledOnRealUsage() async throws {
        // 40 tokens, 25 ms apart: the client hangs up after two, about 50 ms into a one-second stream.
        let fixture = try HubFixture(mockArguments: ["--tokens", "40", "--chunk-delay-ms", "25"])
        let user = try fixture.user("leaver", credits: "10")
        try await Task.sleep(for: .milliseconds(1000))
        let address = fixture.hub.url.dropFirst("http://".count).split(separator: ":")
        let script = AigneHubBinary.packageRoot.appendingPathComponent("Tests/e2e/disconnect_midstream.py").path
        let requestId = try runPython(script, environment: ["HUB_HOST": String(address[0]), "HUB_PORT": String(address[1]),
                                                            "HUB_KEY": user.key]).trimmingCharacters(in: .whitespacesAndNewlines)
        let database = try fixture.database()
        #expect(try await fixture.eventually {
            try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM usage_events WHERE request_id = ?",
                                                 arguments: [requestId]) } == 1
        }, "the disconnected stream was never metered")
        try await database.read { db in
            let event = try Row.fetchOne(db, sql: "SELECT * FROM usage_events WHERE request_id = ?", arguments: [requestId])
            #expect(event?["tokens_out"] == 40, "billed on the upstream's full usage")
            #expect(event?["tokens_in"] == 7)
            #expect(event?["usage_source"] == "upstream")
            #expect(event?["streamed"] == true)
            #expect((event?["error"] as String?)?.contains("client disconnected") == true)
            // 7 in at 1/1K + 40 out at 2/1K = 0.087 credits, charged once.
            #expect(event?["credits_charged"] == 87_000_000)
            let charges = try Int64.fetchAll(db, sql: "SELECT amount FROM ledger WHERE request_id = ?", arguments: [requestId])
            #expect(charges == [-87_000_000])
        }
        #expect(try fixture.ledgerInvariantHolds())
    }

    @Test func sigtermUnderLoadLosesNoUsageEvent() async throws {
        let fixture = try HubFixture(mockArguments: ["--latency-ms", "200", "--tokens", "20", "--chunk-delay-ms", "20"])
        let user = try fixture.user("busy", credits: "100")
        try await Task.sleep(for: .milliseconds(1000))
        let url = fixture.baseURL + "/chat/completions"
        let total = 60
        let replies = try await withThrowingTaskGroup(of: TestHTTP.Reply?.self) { group in
            for index in 0..<total {
                group.addTask {
                    try? await TestHTTP.post(url, key: user.key, body: TestHTTP.chatBody(maxTokens: 20, stream: index % 2 == 0))
                }
            }
            // Once every request has reached the upstream, stop the hub.
            group.addTask {
                while try await fixture.mockStats().requests < total { try await Task.sleep(for: .milliseconds(10)) }
                #expect(fixture.hub.stop() == 0, "the hub exits cleanly on SIGTERM")
                return nil
            }
            return try await group.reduce(into: [TestHTTP.Reply]()) { if let reply = $1 { $0.append(reply) } }
        }
        #expect(replies.count == total && replies.allSatisfy { $0.status == 200 }, "in-flight requests are drained")
        #expect(replies.filter { $0.body.contains("[DONE]") }.count == total / 2, "streams finish")
        let counts = try await fixture.database().read { db in
            (events: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_events"),
             charges: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger WHERE kind = 'usage'"))
        }
        #expect(counts.events == total && counts.charges == total, "\(counts)")
        #expect(try fixture.ledgerInvariantHolds())
    }

}

/// Runs a Python script with the tests' own Python environment (``PythonEnvironment``),
/// returning its standard output; throws with its output on failure.
func runPython(_ script: String, environment: [String: String]) throws -> String {
    try PythonEnvironment.run(script, environment: environment)
}
