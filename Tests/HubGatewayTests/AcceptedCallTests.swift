import Foundation
import GRDB
import Testing
@testable import HubGateway
import HubTestSupport

/// A call the upstream accepted is never sent again: a timeout after acceptance is one upstream
/// call and a 504, free for the client, recorded with the provider cost the hub must assume.
@Suite struct AcceptedCallTests {
    @Test func failoverPolicyTable() async {
        let table: [(FailoverPolicy.Outcome, FailoverPolicy.Decision)] = [
            (.status(200), .use),
            (.status(201), .use),
            (.status(429), .tryElsewhere(.throttle)),
            (.status(401), .tryElsewhere(.disable)),
            (.status(403), .tryElsewhere(.disable)),
            (.status(408), .tryElsewhere(.keep)),
            (.status(500), .tryElsewhere(.keep)),
            (.status(502), .tryElsewhere(.keep)),
            (.status(503), .tryElsewhere(.keep)),
            (.status(504), .tryElsewhere(.keep)),
            (.status(400), .fail(.passThrough(status: 400))),
            (.status(404), .fail(.passThrough(status: 404))),
            (.status(422), .fail(.passThrough(status: 422))),
            (.failure(.notConnected("refused")), .tryElsewhere(.keep)),
            (.failure(.timedOut), .fail(.timedOutAfterAcceptance)),
            (.failure(.broken("reset")), .fail(.lostAfterAcceptance)),
            (.failure(.tooLarge(10)), .fail(.answerTooLarge)),
        ]
        for (outcome, decision) in table {
            #expect(FailoverPolicy.decide(outcome) == decision, "\(outcome)")
        }
    }

    /// Two credentials that both accept and never answer (no head at all; a head and half a body):
    /// each request makes exactly one upstream call and gets a 504.
    @Test func timeoutAfterAcceptanceIsOneCallAnd504() async throws {
        let fixture = try HubFixture(hubArguments: ["--upstream-timeout", "1"],
                                     credentials: ["sk-fault-timeout", "sk-fault-stall"])
        let user = try fixture.user("u", credits: "10")
        try await fixture.waitUntilKnown(user.key)
        let url = fixture.baseURL + "/chat/completions"
        for index in 1...2 {
            let reply = try await TestHTTP.post(url, key: user.key, body: TestHTTP.chatBody())
            #expect(reply.status == 504, "\(reply.body)")
            #expect(reply.body.contains("not retried"), "\(reply.body)")
            #expect(try await fixture.mockStats().requests == index, "one upstream call per request")
        }
        let database = try fixture.database()
        #expect(try await fixture.eventually {
            try database.read { db in
                try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM usage_events
                    WHERE status = 504 AND credits_charged = 0 AND provider_cost > 0 AND usage_source = 'estimated'
                    """) == 2
            }
        })
        #expect(try fixture.ledgerInvariantHolds())
        let charged = try await database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ledger WHERE kind = 'usage'") }
        #expect(charged == 0)
    }

    /// A non-streamed answer over the size cap is a clear 502, not retried.
    @Test func oversizedAnswerIsAClear502() async throws {
        let fixture = try HubFixture(mode: "enterprise", mockArguments: ["--tokens", "5000"],
                                     hubArguments: ["--max-upstream-body-bytes", "2000"],
                                     credentials: ["sk-one", "sk-two"])
        let user = try fixture.user("u")
        try await fixture.waitUntilKnown(user.key)
        let reply = try await TestHTTP.post(fixture.baseURL + "/chat/completions", key: user.key,
                                            body: TestHTTP.chatBody(maxTokens: 5000))
        #expect(reply.status == 502 && reply.body.contains("2000 bytes"), "\(reply.status) \(reply.body)")
        #expect(try await fixture.mockStats().requests == 1)
    }
}
