import Foundation
import GRDB
import HubTestSupport
import Testing

/// SIGTERM while a stream whose client went away is still draining its upstream: after the grace,
/// the stream stops draining and settles what it has (partial usage), the hub exits cleanly, and
/// neither the record nor the hold is left behind.
@Suite struct ShutdownDrainTests {
    @Test func sigtermEndsADrainingStreamWithItsPartialUsage() async throws {
        // 10,000 tokens at 5 ms a chunk: the upstream streams for about 50 s, longer than any wait here.
        let fixture = try HubFixture(mockArguments: ["--tokens", "10000", "--chunk-delay-ms", "5"],
                                     hubArguments: ["--shutdown-grace", "1", "--drain-timeout", "120"])
        defer { fixture.stop() }
        let user = try fixture.user("u", credits: "1000")
        try await fixture.waitUntilKnown(user.key)
        let client = try RawConnection(fixture.hub.url)
        let body = TestHTTP.chatBody(maxTokens: 10_000, stream: true)
        #expect(client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer \(user.key)\r\n"
                            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"))
        // The first content arrives; then the client goes away and the hub drains the upstream.
        var received = ""
        let deadline = Date().addingTimeInterval(30)
        while !received.contains("content"), Date() < deadline, case .data(let text) = client.read(within: 10) { received += text }
        #expect(received.contains("content"), "no streamed content: \(received.prefix(300))")
        client.close()
        let hub = fixture.hub.process
        kill(hub.processIdentifier, SIGTERM)
        let exitDeadline = Date().addingTimeInterval(30)
        while hub.isRunning && Date() < exitDeadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!hub.isRunning, "SIGTERM did not end a hub draining a stream")
        guard !hub.isRunning else { return }
        #expect(hub.terminationReason == .exit && hub.terminationStatus == 0, "\(fixture.hub.log.suffix(2_000))")
        try await fixture.database().read { db throws in
            let source = try String.fetchOne(db, sql: "SELECT usage_source FROM usage_events WHERE user_id = ? AND status NOT IN (400, 401)", arguments: [user.id])
            #expect(source == "partial", "the drained stream's usage: \(String(describing: source))")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM holds") == 0, "a hold was left open")
        }
        #expect(try fixture.ledgerInvariantHolds())
    }
}
