import Foundation
import HubTestSupport
import Testing

/// A client that stops reading a long stream: the hub stops reading the upstream too, so what the
/// hub holds stays bounded however long the answer is.
@Suite struct StreamBackpressureTests {
    @Test func aClientThatStopsReadingStopsTheUpstream() async throws {
        let tokens = 400_000   // about 50 MB of events
        let fixture = try HubFixture(mode: "enterprise", mockArguments: ["--tokens", "\(tokens)"],
                                     hubArguments: ["--metrics-listen", "127.0.0.1:0"])
        let user = try fixture.user("u")
        try await Task.sleep(for: .milliseconds(1000))
        let rssBefore = residentKilobytes(fixture.hub.process.processIdentifier)
        let client = try RawConnection(fixture.hub.url, receiveBuffer: 4_096)
        let body = TestHTTP.chatBody(maxTokens: tokens, stream: true)
        #expect(client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer \(user.key)\r\n"
                            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"))
        // The client reads nothing. Wait until the mock's output stops growing (or it sent everything).
        var last = -1
        var unchanged = 0
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let streamed = try await streamedBytes(fixture)
            unchanged = streamed == last && streamed > 0 ? unchanged + 1 : 0
            last = streamed
            if unchanged >= 4 || streamed >= tokens * 100 { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(last > 0 && last < 24 << 20, "the upstream streamed \(last) bytes to a hub whose client reads nothing")
        let metrics = try await TestHTTP.get(fixture.metricsURL())
        let buffered = metrics.split(separator: "\n").first { $0.hasPrefix("aigne_hub_stream_buffered_bytes ") }
            .flatMap { Int($0.split(separator: " ")[1]) }
        #expect(buffered != nil && buffered! <= 256 << 10, "buffered: \(String(describing: buffered))")
        let growth = residentKilobytes(fixture.hub.process.processIdentifier) - rssBefore
        #expect(growth < 40_000, "the hub's RSS grew by \(growth) KB")
    }

    private func streamedBytes(_ fixture: HubFixture) async throws -> Int {
        let text = try await TestHTTP.get(fixture.mock.url + "/mock/stats")
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return json?["streamed_bytes"] as? Int ?? 0
    }


    private func residentKilobytes(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
