import Foundation
import GRDB
import HubTestSupport
import Testing

/// A client that stops reading a long stream: the hub stops reading the upstream too, so what the
/// hub holds stays bounded however long the answer is.
@Suite struct StreamBackpressureTests {
    @Test func aClientThatStopsReadingStopsTheUpstream() async throws {
        let tokens = 800_000   // about 90 MB of events
        let fixture = try HubFixture(mode: "enterprise", mockArguments: ["--tokens", "\(tokens)"],
                                     hubArguments: ["--metrics-listen", "127.0.0.1:0", "--drain-timeout", "1",
                                                    "--shutdown-grace", "1"])
        let user = try fixture.user("u")
        try await fixture.waitUntilKnown(user.key)
        let rssBefore = residentKilobytes(fixture.hub.process.processIdentifier)
        let client = try RawConnection(fixture.hub.url, receiveBuffer: 4_096)
        let body = TestHTTP.chatBody(maxTokens: tokens, stream: true)
        #expect(client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer \(user.key)\r\n"
                            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"))
        // The client reads nothing. Wait until the hub stops reading the upstream (or has read everything).
        var last = -1
        var unchanged = 0
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let streamed = try await metric("aigne_hub_stream_upstream_bytes_total", fixture) ?? 0
            unchanged = streamed == last && streamed > 0 ? unchanged + 1 : 0
            last = streamed
            if unchanged >= 4 || streamed >= tokens * 100 { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(last > 0 && last < 16 << 20, "the hub read \(last) bytes of a stream whose client reads nothing")
        let buffered = try await metric("aigne_hub_stream_buffered_bytes", fixture)
        #expect(buffered != nil && buffered! <= 256 << 10, "buffered: \(String(describing: buffered))")
        let growth = residentKilobytes(fixture.hub.process.processIdentifier) - rssBefore
        #expect(growth < 40_000, "the hub's RSS grew by \(growth) KB")
        // SIGTERM ends the hub although its client still does not read: after the grace, the stream is cut.
        let hub = fixture.hub.process
        kill(hub.processIdentifier, SIGTERM)
        let exitDeadline = Date().addingTimeInterval(30)
        while hub.isRunning && Date() < exitDeadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!hub.isRunning, "SIGTERM did not end a hub whose client stopped reading")
        if !hub.isRunning { #expect(hub.terminationStatus == 0 && hub.terminationReason == .exit, "\(fixture.hub.log.suffix(2_000))") }
        client.close()
    }

    /// A client that stops reading is counted as gone after `--client-stall-timeout`: the upstream is
    /// drained, the call settled and its hold released, while the client's connection still stays open.
    @Test func aStalledClientIsSettledAfterTheStallTimeout() async throws {
        let tokens = 800_000
        let fixture = try HubFixture(mockArguments: ["--tokens", "\(tokens)"],
                                     hubArguments: ["--client-stall-timeout", "1", "--drain-timeout", "1", "--shutdown-grace", "1"])
        defer { fixture.stop() }
        let user = try fixture.user("u", credits: "10000")
        try await fixture.waitUntilKnown(user.key)
        let client = try RawConnection(fixture.hub.url, receiveBuffer: 4_096)
        defer { client.close() }
        let body = TestHTTP.chatBody(maxTokens: tokens, stream: true)
        #expect(client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer \(user.key)\r\n"
                            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"))
        func settled() throws -> Bool {
            try fixture.database().read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_events WHERE user_id = ? AND status NOT IN (400, 401)", arguments: [user.id]) == 1
                    && Int.fetchOne(db, sql: "SELECT COUNT(*) FROM holds") == 0
            }
        }
        #expect(try await fixture.eventually(60, settled), "the call of a client that stopped reading was never settled")
        #expect(try fixture.ledgerInvariantHolds())
    }

    private func metric(_ name: String, _ fixture: HubFixture) async throws -> Int? {
        let metrics = try await TestHTTP.get(fixture.metricsURL())
        return metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ")[1]) }
    }

    private func residentKilobytes(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
