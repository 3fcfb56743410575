import Foundation
import GRDB
import Testing
import HubTestSupport

/// Failover with the mock's injected faults, aimed at one credential through its secret.
@Suite struct FailoverTests {
    /// Errors before an answer started fail over; a timeout after acceptance does not (AcceptedCallTests).
    @Test func serverErrorsFailOverInvisibly() async throws {
        let fixture = try HubFixture(hubArguments: ["--upstream-timeout", "1"],
                                     credentials: ["sk-fault-503", "sk-fault-502", "sk-good-one"])
        let user = try fixture.user("u", credits: "10")
        try await Task.sleep(for: .milliseconds(1000))
        let url = fixture.baseURL + "/chat/completions"
        for index in 0..<6 {
            let reply = try await TestHTTP.post(url, key: user.key, body: TestHTTP.chatBody(stream: index % 2 == 1))
            #expect(reply.status == 200, "\(reply.body)")
        }
        let counts = try await fixture.mockStats().byKey
        #expect(counts["sk-good-one"] == 6)
        #expect((counts["sk-fault-503"] ?? 0) > 0 && (counts["sk-fault-502"] ?? 0) > 0, "\(counts)")
    }

    @Test func refusedCredentialIsDisabledAndAudited() async throws {
        let fixture = try HubFixture(credentials: ["sk-fault-401", "sk-good-two"])
        let user = try fixture.user("u", credits: "10")
        try await Task.sleep(for: .milliseconds(1000))
        let url = fixture.baseURL + "/chat/completions"
        for _ in 0..<4 {
            #expect(try await TestHTTP.post(url, key: user.key, body: TestHTTP.chatBody()).status == 200)
        }
        #expect(try await fixture.mockStats().byKey["sk-fault-401"] == 1, "a refused credential is not tried again")
        let database = try fixture.database()
        #expect(try await fixture.eventually {
            try database.read { db in
                try Row.fetchOne(db, sql: "SELECT enabled, last_error FROM credentials WHERE name = 'c0'")
                    .map { ($0["enabled"] as Bool) == false && ($0["last_error"] as String? ?? "").contains("401") } ?? false
            }
        })
        let audited = try await database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log WHERE actor = 'gateway' AND action = 'credentials.disable'")
        }
        #expect(audited == 1)
    }

    @Test func rateLimitWithNoAlternativeIs429AndTotalFailureIs502() async throws {
        let limited = try HubFixture(credentials: ["sk-fault-429"])
        let user = try limited.user("u", credits: "10")
        try await Task.sleep(for: .milliseconds(1000))
        let reply = try await TestHTTP.post(limited.baseURL + "/chat/completions", key: user.key, body: TestHTTP.chatBody())
        #expect(reply.status == 429 && reply.body.contains("rate_limit_error"), "\(reply.status) \(reply.body)")

        let broken = try HubFixture(credentials: ["sk-fault-500", "sk-fault-502"])
        let other = try broken.user("u", credits: "10")
        try await Task.sleep(for: .milliseconds(1000))
        let failed = try await TestHTTP.post(broken.baseURL + "/chat/completions", key: other.key, body: TestHTTP.chatBody())
        #expect(failed.status == 502 && failed.body.contains("upstream_error"), "\(failed.status) \(failed.body)")
        // Failed calls are metered and free.
        let database = try broken.database()
        #expect(try await broken.eventually {
            try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM usage_events WHERE status = 502 AND credits_charged = 0") } == 1
        })
    }

    @Test func resetMidStreamEndsTheStreamWithAnErrorEvent() async throws {
        let fixture = try HubFixture(credentials: ["sk-fault-reset"])
        let user = try fixture.user("u", credits: "10")
        try await Task.sleep(for: .milliseconds(1000))
        let reply = try await TestHTTP.post(fixture.baseURL + "/chat/completions", key: user.key,
                                            body: TestHTTP.chatBody(maxTokens: 10, stream: true))
        #expect(reply.status == 200)
        // The stream had started (a chunk reached the client) and ends with an error event, not [DONE].
        // Which chunks arrive before the reset is the kernel's business: a RST may drop unread bytes.
        #expect(reply.body.contains("chat.completion.chunk") && reply.body.contains("\"error\"") && !reply.body.contains("[DONE]"), "\(reply.body)")
        let database = try fixture.database()
        #expect(try await fixture.eventually {
            try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM usage_events WHERE status = 502 AND usage_source = 'partial'") } == 1
        })
        #expect(try fixture.ledgerInvariantHolds())
    }
}
