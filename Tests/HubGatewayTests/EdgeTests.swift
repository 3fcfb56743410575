import AsyncHTTPClient
import Foundation
import GRDB
import HubTestSupport
import Testing

/// The hub's edges against hostile or broken clients: the key is checked before the body is read,
/// `/metrics` is not on the API port, slow clients are cut off. Real hub processes, raw sockets.
@Suite struct EdgeTests {
    /// A 3 MB body with a bad key is answered 401 while the client is still sending it, and a flood
    /// of bad keys writes at most one usage row a second.
    @Test func badKeyIsAnsweredBeforeTheBodyIsRead() async throws {
        let fixture = try HubFixture(hubArguments: ["--metrics-listen", "127.0.0.1:0"])
        let started = Date()
        let connection = try RawConnection(fixture.hub.url)
        let bodySize = 3 << 20
        #expect(connection.send("POST /v1/chat/completions HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer sk-wrong\r\n"
                                + "Content-Type: application/json\r\nContent-Length: \(bodySize)\r\n\r\n"))
        // The first 64 KB only: the rest is never sent, so only an answer given before the body was
        // read can arrive.
        #expect(connection.send([UInt8](repeating: UInt8(ascii: " "), count: 64 << 10)))
        guard case .data(let answer) = connection.read(within: 10) else {
            Issue.record("no answer while the body was still being sent")
            return
        }
        #expect(answer.hasPrefix("HTTP/1.1 401"), "\(answer)")
        #expect(answer.contains("invalid_api_key"))

        for index in 0..<30 {
            let reply = try await TestHTTP.post(fixture.baseURL + "/chat/completions", key: "sk-bad-\(index)",
                                                body: TestHTTP.chatBody())
            #expect(reply.status == 401)
        }
        let elapsed = Date().timeIntervalSince(started)
        let metrics = try await TestHTTP.get(try fixture.metricsURL())
        #expect(metrics.contains("aigne_hub_refused_keys_total 31"), "\(metrics)")
        // Wait until the writer has committed the sampled refusal (a readiness check, not a fixed sleep).
        let database = try fixture.database()
        func refusedRows() throws -> Int {
            try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM usage_events WHERE status = 401") ?? 0 }
        }
        _ = try await fixture.eventually { try refusedRows() >= 1 }
        let rows = try refusedRows()
        #expect(rows >= 1 && Double(rows) <= elapsed.rounded(.up) + 1, "\(rows) rows in \(elapsed) s")
    }

    /// `/metrics` (revenue and margin) is absent from the API port, with or without a key, and served
    /// on the metrics listener.
    @Test func metricsAreOnlyOnTheirOwnListener() async throws {
        let fixture = try HubFixture(hubArguments: ["--metrics-listen", "127.0.0.1:0"])
        let user = try fixture.user("u", credits: "10")
        #expect(try await status(fixture.hub.url + "/metrics") == 404)
        #expect(try await status(fixture.hub.url + "/metrics", key: user.key) == 404)
        #expect(try await status(fixture.hub.url + "/v1/metrics", key: user.key) == 404)
        let text = try await TestHTTP.get(try fixture.metricsURL())
        #expect(text.contains("aigne_hub_in_flight_requests"))

        let plain = try HubFixture()
        #expect(!plain.hub.banner.contains("metrics"), "no metrics listener unless one is asked for: \(plain.hub.banner)")
        #expect(try await status(plain.hub.url + "/metrics") == 404)
    }

    /// A client that sends half a body and stops is cut off by the body timeout; one that sends half a
    /// head by the header timeout; an idle keep-alive connection by the idle timeout.
    @Test func slowClientsAreClosed() async throws {
        let fixture = try HubFixture(hubArguments: ["--body-timeout", "1", "--header-timeout", "1", "--idle-timeout", "2"])
        let user = try fixture.user("u", credits: "10")

        let halfBody = try RawConnection(fixture.hub.url)
        halfBody.send("POST /v1/chat/completions HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer \(user.key)\r\n"
                      + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"model\":\"mock-model\",")
        let halfHead = try RawConnection(fixture.hub.url)
        halfHead.send("POST /v1/chat/completions HTTP/1.1\r\nHost: hub\r\nAuthor")
        let idle = try RawConnection(fixture.hub.url)
        #expect(halfBody.waitForClose(within: 15), "a half-sent body keeps its connection open")
        #expect(halfHead.waitForClose(within: 15), "a half-sent head keeps its connection open")
        #expect(idle.waitForClose(within: 15), "an idle connection stays open")
    }

    /// Past `--max-connections`, a new connection waits (in the listen backlog) until one closes.
    @Test func connectionsBeyondTheCapWaitForOneToClose() async throws {
        let fixture = try HubFixture(hubArguments: ["--max-connections", "2"])
        let health = "GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n"
        let first = try RawConnection(fixture.hub.url)
        let second = try RawConnection(fixture.hub.url)
        for connection in [first, second] {
            connection.send(health)
            guard case .data(let answer) = connection.read(within: 10) else { Issue.record("no answer"); return }
            #expect(answer.hasPrefix("HTTP/1.1 200"))
        }
        let third = try RawConnection(fixture.hub.url)
        third.send(health)
        #expect(third.read(within: 1) == .timedOut, "a third connection was served past --max-connections 2")
        first.close()
        guard case .data(let answer) = third.read(within: 10) else { Issue.record("the waiting connection was never served"); return }
        #expect(answer.hasPrefix("HTTP/1.1 200"))
    }

    private func status(_ url: String, key: String? = nil) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        if let key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
        return Int(try await TestHTTP.client.execute(request, timeout: .seconds(10)).status.code)
    }
}
