import AsyncHTTPClient
import Foundation
import GRDB
import HubTestSupport
import Testing

/// The user's side of billing against a real hub: balance headers read by the official `openai`
/// client, `GET /v1/billing/balance`, and redemption codes (exactly once under 100 concurrent tries).
@Suite struct AccountBillingTests {
    /// Creates a batch of codes; returns them.
    static func codes(_ fixture: HubFixture, count: Int, value: String, extra: [String] = []) throws -> [String] {
        let out = try fixture.admin(["codes", "create", "--count", "\(count)", "--value", value, "--json"] + extra)
        let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        return json?["codes"] as? [String] ?? []
    }

    @Test func balanceHeadersThroughTheOfficialClient() async throws {
        let fixture = try HubFixture()
        try fixture.admin(["settings", "set", "--low-balance-threshold", "0.9"])
        let reader = try fixture.user("reader", credits: "1")
        let code = try Self.codes(fixture, count: 1, value: "5")[0]
        #expect(try await Self.keyAccepted(fixture, reader.key))
        let script = AigneHubBinary.packageRoot.appendingPathComponent("Tests/e2e/billing_client.py").path
        do {
            try runPythonScript(script, [], environment: [
                "HUB_URL": fixture.baseURL, "HUB_KEY": reader.key, "THRESHOLD": "0.9", "CODE": code, "CODE_VALUE": "5",
            ])
        } catch {
            Issue.record("\(error)\nhub log:\n\(fixture.hub.log)")
        }
        #expect(try fixture.ledgerInvariantHolds())
    }

    @Test func oneCodeRedeemedByOneOfOneHundredConcurrentTries() async throws {
        let fixture = try HubFixture()
        let keys = try (0..<4).map { try fixture.user("user\($0)").key }
        let code = try Self.codes(fixture, count: 1, value: "7")[0]
        let url = fixture.baseURL + "/billing/redeem"
        // The hub learns of new keys within a second: wait until the last one is accepted.
        #expect(try await Self.keyAccepted(fixture, keys[3]))
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<100 {
                group.addTask { try await TestHTTP.post(url, key: keys[index % keys.count], body: #"{"code":"\#(code)"}"#).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 200 }.count == 1, "\(statuses)")
        #expect(statuses.filter { $0 == 409 }.count == 99)
        let granted = try await fixture.database().read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE reason LIKE 'redemption code%'")
        }
        #expect(granted == 7_000_000_000)
        #expect(try fixture.ledgerInvariantHolds())
    }

    @Test func expiredDisabledAndPerUserCapped() async throws {
        let fixture = try HubFixture()
        let user = try fixture.user("ann")
        let capped = try Self.codes(fixture, count: 3, value: "1", extra: ["--max-per-user", "2"])
        let disabled = try Self.codes(fixture, count: 1, value: "1")
        try fixture.admin(["codes", "disable", "2"])
        #expect(try await Self.keyAccepted(fixture, user.key))
        let url = fixture.baseURL + "/billing/redeem"
        var statuses: [Int] = []
        for code in capped + disabled { statuses.append(try await TestHTTP.post(url, key: user.key, body: #"{"code":"\#(code)"}"#).status) }
        #expect(statuses == [200, 200, 409, 409])
        #expect(try await TestHTTP.post(url, key: user.key, body: #"{"coupon":"x"}"#).status == 400)
        #expect(try await TestHTTP.post(url, key: "ahk_wrong", body: #"{"code":"\#(capped[2])"}"#).status == 401)
        // Past expiry dates are refused at creation; support can still redeem a valid code from the CLI.
        #expect(throws: (any Error).self) { try Self.codes(fixture, count: 1, value: "1", extra: ["--expires", "2020-01-01"]) }
        try fixture.admin(["users", "add", "ben"])
        try fixture.admin(["codes", "redeem", "ben", capped[2]])
        #expect(try fixture.ledgerInvariantHolds())
    }

    /// Waits (with a deadline) until the running hub knows `key`: admin changes reach it by polling.
    static func keyAccepted(_ fixture: HubFixture, _ key: String) async throws -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            var request = HTTPClientRequest(url: fixture.baseURL + "/billing/balance")
            request.headers.add(name: "authorization", value: "Bearer \(key)")
            let response = try await TestHTTP.client.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            if response.status == .ok { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
