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
        // Admin changes reach the running hub within a second.
        try await Task.sleep(for: .seconds(1))

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
}
