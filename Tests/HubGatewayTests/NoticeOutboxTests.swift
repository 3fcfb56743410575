import Foundation
import GRDB
@testable import HubCore
import HubTestSupport
import Testing
import AsyncHTTPClient
import NIOCore

/// Notices to the operator through the outbox: a Python receiver that is down for the first
/// attempts and during a hub restart still gets every notice, signed, exactly once by its id.
@Suite struct NoticeOutboxTests {
    @Test func everyNoticeArrivesSignedOnceAcrossARestart() async throws {
        let fixture = try HubFixture()
        let secret = "notice_secret_0123456789abcdef", paymentSecret = "generic_secret_0123456789"
        let port = try ChildProcess.run("/usr/bin/env", [try billingPython(), "-c",
            "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try fixture.admin(["notices", "endpoint", "add", "http://127.0.0.1:\(port)/notices", "--secret-env", "S"], environment: ["S": secret])
        try fixture.admin(["payments", "secret", "add", "generic", "--secret-env", "S"], environment: ["S": paymentSecret])
        try fixture.admin(["settings", "set", "--low-balance-threshold", "5"])
        try fixture.admin(["packages", "add", "starter", "--price", "10", "--currency", "usd", "--credits", "100"])
        for name in ["alice", "bob"] {
            try fixture.admin(["users", "add", name])
            try fixture.admin(["users", "grant", name, "10", "--reason", "start"])
        }

        // While the hub runs and the receiver is down: payment_applied, payment_pending, low_balance.
        for (id, user) in [("o-1", "alice"), ("o-2", "ghost")] {
            let body = #"{"id":"\#(id)","type":"purchase","user":"\#(user)","package":"starter","payment":"\#(id)","amount":"10","currency":"usd"}"#
            let reply = try await Self.post(fixture.hub.url + "/v1/billing/webhooks/generic", body: body,
                                            signature: WebhookSignature.genericHeader(payload: Data(body.utf8), secret: paymentSecret))
            #expect(reply == 200)
        }
        try fixture.admin(["users", "deduct", "alice", "106", "--reason", "spent"])
        #expect(try await fixture.eventually(20) {
            try fixture.database().read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE attempts >= 2") == 3
            }
        }, "three notices, each tried at least twice against a receiver that is down: \(fixture.hub.log)")

        // The hub stops; the CLI makes two more notices meanwhile (low_balance, payment_applied).
        fixture.hub.stop()
        try fixture.admin(["users", "deduct", "bob", "6", "--reason", "spent"])
        let pending = try await fixture.database().read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM payments WHERE status = 'pending'")
        }
        try fixture.admin(["payments", "resolve", "\(pending ?? 0)", "--user", "bob"])

        // The receiver comes up, then the hub again: everything queued is delivered.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("notices-\(UUID().uuidString).jsonl").path
        let script = AigneHubBinary.packageRoot.appendingPathComponent("Tests/e2e/notice_receiver.py").path
        let receiver = try Receiver(script: script, port: port, secret: secret, log: log)
        defer { receiver.stop() }
        let restarted = try Spawned(["serve", "--data-dir", fixture.dataDir, "--port", "0"], logName: "hub-restarted")
        defer { restarted.stop() }
        #expect(try await fixture.eventually(90) {
            try fixture.database().read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL") == 0 }
        }, "every notice delivered: \(restarted.log)")

        let expected = try await fixture.database().read { db in
            try Row.fetchAll(db, sql: "SELECT notice_id, kind FROM outbox ORDER BY id").map { ($0["notice_id"] as String, $0["kind"] as String) }
        }
        let received = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        #expect(expected.map(\.1).sorted() == ["low_balance", "low_balance", "payment_applied", "payment_applied", "payment_pending"])
        #expect(received.map { $0["id"] as? String ?? "" }.sorted() == expected.map(\.0).sorted(), "each notice once by id")
        #expect(received.allSatisfy { $0["valid"] as? Bool == true && $0["header_id"] as? String == $0["id"] as? String })
        #expect(try fixture.ledgerInvariantHolds())
    }

    static func post(_ url: String, body: String, signature: String) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "X-Signature", value: signature)
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await TestHTTP.client.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }
}

/// The Python notice receiver, running until stopped; ready once it printed "listening".
final class Receiver: @unchecked Sendable {
    // @unchecked: `process` is set in init and only read afterwards; Process is thread-safe for terminate/wait.
    let process = Process()

    init(script: String, port: String, secret: String, log: String) throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [try billingPython(), script, port, secret, log]
        process.standardOutput = output
        try process.run()
        let ready = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard ready.contains("listening") else { throw TestFailure("the notice receiver did not start: \(ready)") }
    }

    /// SIGKILL: it keeps nothing, and a test runner may hand its children SIGTERM ignored.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
