import Foundation
import GRDB
import Testing
import HubTestSupport

/// kill -9 of the hub under load, five times, each followed by a restart: every request the client got a 200 for
/// is charged exactly once (held durably before its upstream call, settled at start-up if the hub
/// died before its usage was written), and every balance still equals the sum of its ledger.
@Suite struct DurableHoldTests {
    final class Served: @unchecked Sendable {
        // @unchecked: every access holds `lock`.
        private let lock = NSLock()
        private var ids: [String] = []
        func add(_ id: String) { lock.withLock { ids.append(id) } }
        var all: [String] { lock.withLock { ids } }
    }

    @Test func killNineUnderLoadLosesNoCharge() async throws {
        let fixture = try HubFixture(mockArguments: ["--latency-ms", "5"])
        let user = try fixture.user("loaded", credits: "100000")
        var hub = fixture.hub
        let served = Served()
        var killedWithOpenHolds = 0
        let rounds = 5
        for round in 0..<rounds {
            let url = hub.url + "/v1/chat/completions"
            _ = try await HoldBoundTests.firstServed(url, key: user.key, body: TestHTTP.chatBody())
            let before = served.all.count
            let running = hub
            // 32 clients loop until the hub dies under them.
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<32 {
                    group.addTask {
                        while true {
                            guard let reply = try? await TestHTTP.post(url, key: user.key, body: TestHTTP.chatBody()) else { return }
                            if reply.status == 200, let id = reply.requestId { served.add(id) }
                            if reply.status >= 500 { return }
                        }
                    }
                }
                group.addTask {
                    // Kill once this round has served a few hundred answers (a polled condition, not a sleep).
                    let deadline = Date().addingTimeInterval(60)
                    while served.all.count - before < 300 && Date() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
                    running.stop(signal: SIGKILL)
                }
            }
            killedWithOpenHolds += try await fixture.database().read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM holds") ?? 0 }
            hub = try Spawned(["serve", "--data-dir", fixture.dataDir, "--port", "0"], logName: "hub-\(round)")
        }
        // The last start settled the open holds; stop it gracefully so everything pending is written.
        #expect(hub.stop() == 0)
        let ids = served.all
        let database = try fixture.database()
        let (charges, recovered, open) = try await database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT request_id, COUNT(*) AS n FROM ledger WHERE kind = 'usage' GROUP BY request_id")
            let charges = Dictionary(uniqueKeysWithValues: rows.map { ($0["request_id"] as String, $0["n"] as Int) })
            let recovered = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_events WHERE usage_source = 'recovered'") ?? 0
            let open = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM holds") ?? -1
            return (charges, recovered, open)
        }
        let missing = ids.filter { charges[$0] == nil }
        let doubled = ids.filter { (charges[$0] ?? 0) > 1 }
        print("kill -9 x\(rounds): \(ids.count) answers with status 200, \(missing.count) without a charge, "
              + "\(doubled.count) charged twice; \(killedWithOpenHolds) holds open at the kills, \(recovered) settled as recovered")
        // Each round kills after 300 answers, or after a minute on a machine too busy for that.
        #expect(ids.count >= rounds * 50)
        #expect(missing.isEmpty, "\(missing.count) served requests were never charged")
        #expect(doubled.isEmpty)
        #expect(open == 0)
        #expect(recovered == killedWithOpenHolds)
        #expect(try fixture.ledgerInvariantHolds())
        // The recovered settlements are visible to an operator.
        if recovered > 0 {
            let recent = try fixture.admin(["usage", "recent", "--limit", "10000"])
            #expect(recent.components(separatedBy: "recovered").count - 1 == recovered)
        }
    }
}
