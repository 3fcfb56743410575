import Foundation
import HubTestSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The cluster when things go wrong: a node killed under load, a node with another secret key.
extension ClusterTests {
    /// What the load of one node got back.
    final class Load: Sendable {
        private let state = Mutex<(answers: [ClusterHTTP.Reply], errors: [String])>(([], []))
        func answered(_ reply: ClusterHTTP.Reply) { state.withLock { $0.answers.append(reply) } }
        func failed(_ error: any Error) { state.withLock { $0.errors.append("\(error)") } }
        var answers: [ClusterHTTP.Reply] { state.withLock { $0.answers } }
        var errors: [String] { state.withLock { $0.errors } }
        var ok: Int { answers.filter { $0.status == 200 }.count }
    }

    /// A flag the load's workers read.
    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .relaxed) }
        var isSet: Bool { value.load(ordering: .relaxed) }
    }

    /// kill -9 of node A under load: node B serves on throughout, takes A for dead after the
    /// heartbeat timeout and settles A's open holds (usage_source = recovered, node_id = A), each
    /// charged once; every call A answered 200 is charged, and every ledger still adds up.
    @Test func aNodeKilledUnderLoadIsRecoveredByTheOther() async throws {
        // Upstream latency keeps calls in flight (holds open) on A when it dies.
        try await ClusterFixture.with(mockArguments: ["--latency-ms", "150"]) { cluster in
            let user = try cluster.user("load", credits: "1000")
            let a = try await cluster.startNode("A"), b = try await cluster.startNode("B")
            let idA = try cluster.nodeId(a), idB = try cluster.nodeId(b)
            let (loadA, loadB) = (Load(), Load())
            let stop = Flag()
            let workers = Task {
                await withTaskGroup(of: Void.self) { group in
                    for index in 0..<24 {
                        let (node, load) = index % 2 == 0 ? (a, loadA) : (b, loadB)
                        group.addTask {
                            while !stop.isSet {
                                do { load.answered(try await ClusterHTTP.chat(node, key: user.key)) } catch {
                                    load.failed(error)
                                    // A is gone: its workers need not hammer a closed port.
                                    if node.name == "A" { try? await Task.sleep(for: .milliseconds(50)) }
                                }
                            }
                        }
                    }
                }
            }
            do {
                // Kill A once it has served calls and has holds open (calls in flight upstream).
                let loaded = try await eventually(within: .seconds(20)) {
                    guard loadA.ok >= 30, loadB.ok >= 30 else { return false }
                    return try cluster.integer("SELECT count(*) FROM holds WHERE run_id = '\(idA)'") > 0
                }
                try #require(loaded != nil, "no load with open holds on A within 20 s\n\(cluster.logs)")
                #expect(loadA.errors == [], "node A's calls failed before the kill: \(loadA.errors.prefix(5))")
                kill(a.pid, SIGKILL)
                a.process.process.waitUntilExit()
                let servedByABeforeTheKill = loadA.answers.filter { $0.status == 200 }
                let bBefore = loadB.ok

                // B takes A for dead and settles its holds: the heartbeat timeout (10 s) plus a beat.
                let recovered = try await eventually(within: .seconds(20)) {
                    try cluster.psql("SELECT stopped_at IS NOT NULL FROM nodes WHERE id = '\(idA)'") == "t"
                        && cluster.integer("SELECT count(*) FROM holds WHERE run_id = '\(idA)'") == 0
                }
                print("ClusterTests kill -9: node A recovered by node B \(recovered.map { "\($0)" } ?? "never") after the kill")
                #expect(recovered != nil && recovered! < .seconds(15), "A not recovered within 15 s\n\(cluster.logs)")
                // B went on serving during the recovery, and still does.
                let more = try await eventually(within: .seconds(10)) { loadB.ok >= bBefore + 50 }
                #expect(more != nil, "node B stopped serving after A died")
                stop.set()
                await workers.value

                #expect(loadB.errors == [], "node B's calls failed: \(loadB.errors.prefix(5))")
                #expect(loadB.answers.allSatisfy { $0.status == 200 },
                        "node B answered \(Set(loadB.answers.map(\.status)))")
                let reason = try cluster.psql("SELECT stop_reason FROM nodes WHERE id = '\(idA)'")
                #expect(reason.contains("taken for dead by node \(idB.prefix(8))"), "A's stop reason: \(reason)")

                // Everything B served is written; no hold of anyone is left.
                let settled = try await eventually(within: .seconds(10)) {
                    try cluster.integer("SELECT count(*) FROM usage_events WHERE node_id = '\(idB)' AND status = 200") >= loadB.ok
                        && cluster.integer("SELECT count(*) FROM holds") == 0
                }
                #expect(settled != nil, "B's usage not written, or holds left\n\(cluster.logs)")
                let recoveredEvents = try cluster.psql("SELECT node_id FROM usage_events WHERE usage_source = 'recovered'")
                    .split(separator: "\n").map(String.init)
                #expect(!recoveredEvents.isEmpty && recoveredEvents.allSatisfy { $0 == idA },
                        "recovered events' nodes: \(Set(recoveredEvents)) (A: \(idA))")
                // Every call A answered 200 was charged once: by A, or by B's recovery of its hold.
                let chargedOnA = Set(try cluster.psql("""
                    SELECT request_id FROM usage_events WHERE node_id = '\(idA)' AND credits_charged > 0
                    """).split(separator: "\n").map(String.init))
                let missing = servedByABeforeTheKill.compactMap(\.requestId).filter { !chargedOnA.contains($0) }
                #expect(missing.isEmpty, "calls A answered 200 but never charged: \(missing.prefix(5))")
                #expect(try cluster.moneyViolations() == [])
                print("""
                    ClusterTests kill -9: A answered \(servedByABeforeTheKill.count) calls, B \(loadB.ok); \
                    \(recoveredEvents.count) holds of A settled as recovered
                    """)
            } catch {
                stop.set()
                await workers.value
                throw error
            }
        }
    }

    /// A node whose secret key is not the cluster's refuses to start, saying so, and prints no
    /// password; `init` with that key is refused the same way.
    @Test func aNodeWithAnotherSecretKeyRefusesToStart() async throws {
        try await ClusterFixture.with { cluster in
            let stranger = try cluster.strangerDirectory("C")
            let process = try BackgroundProcess.aigneHub(["serve", "--database", cluster.url, "--data-dir", stranger.path, "--port", "0"])
            guard let status = try await process.waitForExit(timeout: .seconds(30)) else {
                try await process.stop(signal: SIGKILL)
                Issue.record("a node with another secret key started: \(process.stdout) \(process.stderr)")
                return
            }
            let said = process.stdout + process.stderr
            #expect(status != 0, "exit status \(status): \(said)")
            #expect(said.contains("secret key"), "\(said)")
            #expect(!said.contains(cluster.server.password), "the password was printed: \(said)")
            #expect(!said.contains("listening on"))
            #expect(try cluster.integer("SELECT count(*) FROM nodes") == 0, "the refused node registered")

            let initialised = try AigneHubBinary.run(["init", "--database", cluster.url, "--data-dir", stranger.path],
                                                     removing: ["AIGNE_HUB_HOME", "AIGNE_HUB_SECRET_KEY"])
            #expect(initialised.status != 0 && initialised.stderr.contains("secret key"), "\(initialised)")
            #expect(!(initialised.stdout + initialised.stderr).contains(cluster.server.password))
        }
    }
}
