import Foundation
import HubTestSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The cluster end to end: real `aigne-hub serve --database` nodes on one real PostgreSQL server,
/// the real mock upstream, real clients on loopback. Every wait has a deadline; nothing sleeps a
/// fixed time. Without PostgreSQL installed these fail, saying what to install.
@Suite(.serialized) struct ClusterTests {
    /// The official `openai` client through both nodes, then every call metered with its node's id.
    @Test func officialClientThroughBothNodesIsMeteredPerNode() async throws {
        try await ClusterFixture.with { cluster in
            let link = "https://pay.example.com/buy"
            try cluster.admin(["settings", "set", "--payment-link", link])
            let rich = try cluster.user("rich", credits: "100")
            let poor = try cluster.user("poor", credits: nil)
            let suspended = try cluster.user("suspended", credits: "5")
            try cluster.admin(["users", "suspend", "suspended", "--reason", "test"])
            let revoked = try cluster.user("revoked", credits: "5")
            try cluster.admin(["keys", "revoke", String(revoked.key.prefix(12))])
            let counted = try cluster.user("counted", credits: "100")
            // Started after the set-up: both nodes load it as they start.
            let a = try await cluster.startNode("A"), b = try await cluster.startNode("B")
            let (idA, idB) = (try cluster.nodeId(a), try cluster.nodeId(b))
            #expect(idA != idB)
            #expect(try cluster.psql("SELECT id FROM nodes WHERE stopped_at IS NULL ORDER BY id")
                .split(separator: "\n").map(String.init) == [idA, idB].sorted())

            let script = AigneHubBinary.packageRoot.appendingPathComponent("Tests/e2e/openai_client.py").path
            for node in [a, b] {
                do {
                    _ = try PythonEnvironment.run(script, environment: [
                        "HUB_URL": node.url + "/v1", "HUB_KEY": rich.key, "HUB_POOR_KEY": poor.key,
                        "HUB_SUSPENDED_KEY": suspended.key, "HUB_REVOKED_KEY": revoked.key, "PAYMENT_LINK": link,
                    ])
                } catch {
                    Issue.record("openai client through node \(node.name): \(error)\n\(cluster.logs)")
                }
            }
            // And a counted number of plain calls per node, each answered 200 with its request id.
            let calls = ["A": 7, "B": 11]
            var answered: [String: Set<String>] = [:]
            for (node, count) in [(a, calls["A"]!), (b, calls["B"]!)] {
                for _ in 0..<count {
                    let reply = try await ClusterHTTP.chat(node, key: counted.key)
                    #expect(reply.status == 200, "node \(node.name): \(reply.body)")
                    answered[node.name, default: []].insert(try #require(reply.requestId))
                }
            }

            // Usage is written after the answer: wait (with a deadline) until every call is in.
            let total = calls.values.reduce(0, +)
            let settled = try await eventually(within: .seconds(10)) {
                try cluster.integer("SELECT count(*) FROM usage_events WHERE user_id = \(counted.id)") >= total
                    && cluster.integer("SELECT count(*) FROM holds") == 0
            }
            #expect(settled != nil, "usage not written within 10 s\n\(cluster.logs)")
            for (name, id) in [("A", idA), ("B", idB)] {
                let rows = try cluster.psql("""
                    SELECT request_id FROM usage_events
                    WHERE user_id = \(counted.id) AND node_id = '\(id)' AND status = 200 AND credits_charged > 0
                    """)
                #expect(Set(rows.split(separator: "\n").map(String.init)) == answered[name], "node \(name)'s calls and their usage events")
                // The official client's successful calls: 2 chats, 2 streams, 1 embedding per node.
                let richCalls = try cluster.integer("""
                    SELECT count(*) FROM usage_events WHERE user_id = \(rich.id) AND node_id = '\(id)' AND status = 200
                    """)
                #expect(richCalls == 5, "the openai client's calls metered on node \(name): \(richCalls)")
            }
            #expect(try cluster.integer("SELECT count(*) FROM usage_events WHERE user_id = \(counted.id)") == Int64(total))
            #expect(try cluster.integer("""
                SELECT count(*) FROM usage_events WHERE node_id IS NULL OR node_id NOT IN ('\(idA)', '\(idB)')
                """) == 0)
            // Both nodes charged one balance: 100 less what every event of the user charged.
            #expect(try cluster.integer("SELECT balance FROM users WHERE id = \(counted.id)")
                == 100_000_000_000 - cluster.integer("SELECT sum(credits_charged) FROM usage_events WHERE user_id = \(counted.id)"))
            #expect(try cluster.moneyViolations() == [])
        }
    }

    /// ~200 concurrent calls of one user, split across both nodes, against credits for ~20: no
    /// overdraft, every served call charged once, every refused one a 402.
    @Test func crossNodeOverdraftStormNeverOverdraws() async throws {
        try await ClusterFixture.with(mockArguments: ["--latency-ms", "30"]) { cluster in
            let probe = try cluster.user("probe", credits: nil)
            let nodes = [try await cluster.startNode("A"), try await cluster.startNode("B")]
            // The most one call may cost (its hold), as the 402 of a user with nothing says it.
            let refused = try await ClusterHTTP.chat(nodes[0], key: probe.key)
            #expect(refused.status == 402)
            let hold = try Self.decimal(after: "may cost up to ", in: refused.body)
            let credits = hold * 20
            let storm = try cluster.user("storm", credits: "\(credits)")
            // Both nodes know the grant before the storm: a call too big for it says what is available.
            for node in nodes {
                let known = try await eventually(within: .seconds(5)) {
                    let reply = try await ClusterHTTP.chat(node, key: storm.key, maxTokens: 1_000_000)
                    return reply.status == 402 && (try? Self.decimal(after: "and ", in: reply.body)) == credits
                }
                #expect(known != nil, "node \(node.name) never learned the grant")
            }

            let loads = ["A": Load(), "B": Load()]
            /// `count` calls at once, split across the nodes; returns how many were served.
            func wave(_ count: Int) async -> Int {
                let before = loads.values.map(\.ok).reduce(0, +)
                await withTaskGroup(of: Void.self) { group in
                    for index in 0..<count {
                        let node = nodes[index % 2]
                        let load = loads[node.name]!
                        group.addTask {
                            do { load.answered(try await ClusterHTTP.chat(node, key: storm.key)) } catch { load.failed(error) }
                        }
                    }
                }
                return loads.values.map(\.ok).reduce(0, +) - before
            }
            let firstWave = await wave(200)
            // Calls cost less than their holds: smaller waves, once the holds are settled, until
            // the balance no longer covers a hold (every call refused).
            var waves = 1
            while waves < 30 {
                let settled = try await eventually(within: .seconds(10)) { try cluster.integer("SELECT count(*) FROM holds") == 0 }
                try #require(settled != nil, "holds not settled within 10 s\n\(cluster.logs)")
                waves += 1
                if await wave(40) == 0 { break }
            }
            #expect(loads.values.flatMap(\.errors) == [])
            let all = loads.values.flatMap(\.answers)
            let served = all.filter { $0.status == 200 }
            let paymentRequired = all.filter { $0.status == 402 }
            let others = all.filter { ![200, 402].contains($0.status) }
            #expect(others.isEmpty, "statuses other than 200 and 402: \(others.map { "\($0.status) \($0.body)" })")
            #expect(!served.isEmpty && !paymentRequired.isEmpty)
            #expect(paymentRequired.allSatisfy { $0.body.contains("insufficient credits") })
            let servedIds = Set(served.compactMap(\.requestId))
            #expect(servedIds.count == served.count)

            let settled = try await eventually(within: .seconds(10)) {
                try cluster.integer("SELECT count(*) FROM usage_events WHERE user_id = \(storm.id) AND status = 200") >= served.count
                    && cluster.integer("SELECT count(*) FROM holds") == 0
            }
            #expect(settled != nil, "usage not written within 10 s\n\(cluster.logs)")
            let charged = try cluster.psql("""
                SELECT request_id FROM usage_events WHERE user_id = \(storm.id) AND status = 200 AND credits_charged > 0
                """)
            #expect(Set(charged.split(separator: "\n").map(String.init)) == servedIds, "every served call charged, and only those")
            let balance = try cluster.integer("SELECT balance FROM users WHERE id = \(storm.id)")
            let spent = try cluster.integer("SELECT COALESCE(sum(credits_charged), 0) FROM usage_events WHERE user_id = \(storm.id)")
            let granted = try cluster.integer("SELECT sum(amount) FROM ledger WHERE user_id = \(storm.id) AND kind = 'grant'")
            #expect(balance >= 0 && granted - spent == balance)
            // Refused at the end because the balance no longer covers a hold, not before.
            #expect(Decimal(balance) / 1_000_000_000 < hold, "left \(balance) nanos, a hold is \(hold)")
            #expect(try cluster.moneyViolations() == [])
            let perNode = loads.mapValues(\.ok)
            print("""
                ClusterTests storm: hold \(hold) credits, balance \(credits): first wave of 200 served \(firstWave); \
                \(waves) waves: \(served.count) served (\(perNode)), \(paymentRequired.count) refused with 402; \
                left \(Double(balance) / 1e9) credits
                """)
        }
    }

    /// A key revoked through node A's admin socket, or by the CLI on the database, stops working on
    /// node B within a second.
    @Test func aChangeThroughOneNodeIsSeenByTheOtherWithinASecond() async throws {
        try await ClusterFixture.with { cluster in
            let bySocket = try cluster.user("socket-user", credits: "100")
            let byCLI = try cluster.user("cli-user", credits: "100")
            let a = try await cluster.startNode("A"), b = try await cluster.startNode("B")
            for (key, how, revoke) in [
                (bySocket.key, "node A's admin socket", ["--socket", a.socket]),
                (byCLI.key, "the CLI on the database", ["--database", cluster.url, "--data-dir", cluster.directory("A").path]),
            ] {
                // Node B serves the key (and so knows it) first.
                #expect(try await ClusterHTTP.chat(b, key: key).status == 200)
                let issued = ContinuousClock.now
                try cluster.hub(["admin", "keys", "revoke", String(key.prefix(12))] + revoke)
                let revokedAt = ContinuousClock.now
                let seen = try await eventually(within: .seconds(5)) {
                    try await ClusterHTTP.chat(b, key: key).status == 401
                }
                let elapsed = seen.map { "\($0)" } ?? "never (5 s)"
                print("ClusterTests propagation: key revoked through \(how) (\(revokedAt - issued) for the command): node B answers 401 after \(elapsed)")
                #expect(seen != nil && seen! < .seconds(1), "node B saw the revocation through \(how) after \(elapsed)")
                #expect(try await ClusterHTTP.chat(a, key: key).status == 401)
            }
            #expect(try cluster.moneyViolations() == [])
        }
    }

    /// The decimal number that follows `marker` in `text` ("… may cost up to 0.0301 credits …").
    static func decimal(after marker: String, in text: String) throws -> Decimal {
        guard let range = text.range(of: marker) else { throw TestFailure("no '\(marker)' in \(text)") }
        let number = text[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        guard let value = Decimal(string: String(number)) else { throw TestFailure("no number after '\(marker)' in \(text)") }
        return value
    }
}
