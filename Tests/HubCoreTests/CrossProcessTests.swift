import Foundation
import HubTestSupport
import Testing
@testable import HubCore

@Suite("Two OS processes on one database")
struct CrossProcessTests {
    @Test("two aigne-hub processes granting and deducting at once lose nothing")
    func twoProcesses() async throws {
        let hub = try TemporaryHub()
        try await hub.run(Admin.UsersAdd(name: "alice"))
        try await hub.run(Admin.UsersGrant(user: "alice", amount: Amount(units: 1_000), reason: "float"))
        let rounds = 60
        // Each worker is a shell loop of real `aigne-hub` processes: grant 1.5, deduct 1, repeated.
        let script = """
            i=0; while [ $i -lt \(rounds) ]; do
              "$BIN" admin users grant alice 1.5 --reason "w$W grant $i" --data-dir "$DIR" >/dev/null || exit 1
              "$BIN" admin users deduct alice 1 --reason "w$W deduct $i" --data-dir "$DIR" >/dev/null || exit 1
              i=$((i+1))
            done
            """
        let binary = try AigneHubBinary.path()
        let workers = (0..<2).map { worker in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", script]
            process.environment = ["BIN": binary, "DIR": hub.directory.path, "W": "\(worker)",
                                   "PATH": "/usr/bin:/bin"]
            return process
        }
        for worker in workers { try worker.run() }
        for worker in workers { worker.waitUntilExit() }
        #expect(workers.map(\.terminationStatus) == [0, 0])

        let detail = try await hub.run(Admin.UsersShow(user: "alice"))
        #expect(detail.user.balance == Amount(units: Int64(1_000 + rounds)))   // 2 workers × rounds × 0.5
        #expect(try hub.ledgerViolations() == [])
        let entries = try hub.store.sqliteRead { db in try LedgerEntry.fetchCount(db) }
        #expect(entries == 1 + 2 * 2 * rounds)   // the float, then a grant and a deduct per round
    }
}
