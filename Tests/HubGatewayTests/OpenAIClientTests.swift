import AsyncHTTPClient
import Foundation
import HubTestSupport
import Testing

/// The official `openai` Python package against a real hub and mock upstreams: chat, streaming,
/// embeddings, models, an Anthropic provider, and every error status.
@Suite struct OpenAIClientTests {
    @Test func officialClientWorksUnchanged() async throws {
        let fixture = try HubFixture(withAnthropic: true)
        let link = "https://pay.example.com/buy"
        try fixture.admin(["settings", "set", "--payment-link", link])
        let rich = try fixture.user("rich", credits: "100")
        let poor = try fixture.user("poor")
        let suspended = try fixture.user("suspended", credits: "5")
        try fixture.admin(["users", "suspend", "suspended", "--reason", "test"])
        let revoked = try fixture.user("revoked", credits: "5")
        try fixture.admin(["keys", "revoke", String(revoked.key.prefix(12))])
        // Admin changes reach the running hub within a second: it refuses the revoked key (the last change,
        // so the configuration it reloaded holds every change before it).
        let deadline = ContinuousClock.now + .seconds(5)
        while try await Self.modelsStatus(fixture.baseURL, key: revoked.key) != 401 {
            guard ContinuousClock.now < deadline else {
                Issue.record("the hub still accepts a key revoked 5 s ago")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }

        let script = AigneHubBinary.packageRoot.appendingPathComponent("Tests/e2e/openai_client.py").path
        do {
            _ = try runPython(script, environment: [
                "HUB_URL": fixture.baseURL, "HUB_KEY": rich.key, "HUB_POOR_KEY": poor.key,
                "HUB_SUSPENDED_KEY": suspended.key, "HUB_REVOKED_KEY": revoked.key, "PAYMENT_LINK": link,
                "HUB_ANTHROPIC": "1",
            ])
        } catch {
            Issue.record("\(error)\nhub log:\n\(fixture.hub.log)")
        }

        // Every request was metered, and the ledger still adds up.
        #expect(try fixture.ledgerInvariantHolds())
    }

    /// The status of `GET /v1/models` with `key`.
    private static func modelsStatus(_ baseURL: String, key: String) async throws -> Int {
        var request = HTTPClientRequest(url: baseURL + "/models")
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        let response = try await TestHTTP.client.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }
}
