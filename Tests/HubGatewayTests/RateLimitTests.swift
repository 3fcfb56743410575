import Foundation
import GRDB
import HubTestSupport
import Testing

/// Rate limits, key scopes and the per-address limit of bad keys (issue 12), with real hub
/// processes: exact counts on one node, OpenAI's headers through the official client.
@Suite struct RateLimitTests {
    @Test func requestsPerMinuteAreExactForAKeyAndATeam() async throws {
        var keys: [String] = []
        let fixture = try HubFixture { dataDir in
            try HubFixture.admin(dataDir, ["teams", "add", "ops"])
            for name in ["kim", "lee"] {
                try HubFixture.admin(dataDir, ["users", "add", name])
                try HubFixture.admin(dataDir, ["users", "grant", name, "50", "--reason", "test"])
                try HubFixture.admin(dataDir, ["teams", "add-member", "ops", name])
                let created = try HubFixture.admin(dataDir, ["keys", "create", name, "--name", "k", "--team", "ops", "--json"])
                let json = try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any]
                keys.append(json?["secret"] as? String ?? "")
            }
            try HubFixture.admin(dataDir, ["limits", "set", "--key", "1", "--rpm", "7"])
            try HubFixture.admin(dataDir, ["limits", "set", "--team", "ops", "--rpm", "10"])
        }
        let url = fixture.baseURL + "/chat/completions"
        // 30 at once from the key limited to 7: exactly 7 served.
        let first = try await GovernedReply.concurrent(30, url, key: keys[0])
        #expect(first.filter { $0.status == 200 }.count == 7)
        let limited = first.filter { $0.status == 429 }
        #expect(limited.count == 23)
        #expect(limited.allSatisfy { $0.code == "rate_limit_exceeded" && Int($0.headers["retry-after"] ?? "") != nil })
        #expect(limited.allSatisfy { $0.headers["x-ratelimit-remaining-requests"] == "0" })
        // The team's 10 a minute: the other member gets the 3 left.
        let second = try await GovernedReply.concurrent(20, url, key: keys[1])
        #expect(second.filter { $0.status == 200 }.count == 3)
        #expect(second.filter { $0.status == 429 }.allSatisfy { $0.message.contains("team 'ops' may make 10 requests per minute") })
        // A refused call never reached the upstream.
        #expect(try await fixture.mockStats().requests == 10)
    }

    @Test func concurrencyIsExact() async throws {
        var key = ""
        let fixture = try HubFixture(mockArguments: ["--latency-ms", "2000"]) { dataDir in
            key = try HubFixture.user(dataDir, "busy", credits: "50").key
            try HubFixture.admin(dataDir, ["limits", "set", "--user", "busy", "--concurrency", "3"])
        }
        let replies = try await GovernedReply.concurrent(20, fixture.baseURL + "/chat/completions", key: key)
        #expect(replies.filter { $0.status == 200 }.count == 3)
        let refused = replies.filter { $0.status == 429 }
        #expect(refused.count == 17)
        #expect(refused.allSatisfy { $0.headers["retry-after"] == "1" && $0.message.contains("3 concurrent requests") })
        // Once they finished, the slots are free again.
        #expect(try await GovernedReply.post(fixture.baseURL + "/chat/completions", key: key).status == 200)
    }

    @Test func officialClientReadsTheHeadersAndHonoursRetryAfter() async throws {
        var keys: [String] = []
        let fixture = try HubFixture(mockArguments: ["--latency-ms", "1500"]) { dataDir in
            keys.append(try HubFixture.user(dataDir, "fast", credits: "50").key)
            keys.append(try HubFixture.user(dataDir, "slow", credits: "50").key)
            try HubFixture.admin(dataDir, ["limits", "set", "--key", "1", "--rpm", "4", "--tpm", "100000"])
            try HubFixture.admin(dataDir, ["limits", "set", "--key", "2", "--concurrency", "1"])
        }
        let script = AigneHubBinary.packageRoot.appendingPathComponent("Tests/e2e/governance_client.py").path
        do {
            let output = try runPython(script, environment: ["HUB_URL": fixture.baseURL, "RPM_KEY": keys[0], "SLOW_KEY": keys[1]])
            #expect(output.contains("ok:"))
        } catch {
            Issue.record("\(error)\nhub log:\n\(fixture.hub.log)")
        }
    }

    @Test func keyScopesSayWhichScopeRefused() async throws {
        var keys: [String: String] = [:]
        // Whole seconds: the CLI's ISO 8601 date has no fraction.
        let expiry = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 20).rounded(.down))
        let fixture = try HubFixture { dataDir in
            for name in ["embedder", "expiring", "elsewhere", "local"] {
                keys[name] = try HubFixture.user(dataDir, name, credits: "10").key
            }
            try HubFixture.admin(dataDir, ["keys", "scope", "1", "--models", "mock/mock-embed*"])
            try HubFixture.admin(dataDir, ["keys", "scope", "2", "--expires", expiry.formatted(.iso8601)])
            try HubFixture.admin(dataDir, ["keys", "scope", "3", "--cidr", "10.0.0.0/8", "2001:db8::/32"])
            try HubFixture.admin(dataDir, ["keys", "scope", "4", "--cidr", "127.0.0.0/8", "::1/128"])
        }
        let chat = fixture.baseURL + "/chat/completions"
        let model = try await GovernedReply.post(chat, key: keys["embedder"]!)
        #expect(model.status == 403 && model.code == "model_not_allowed", "\(model.body)")
        #expect(model.message.contains("mock/mock-embed*"))
        let embedding = try await GovernedReply.post(fixture.baseURL + "/embeddings", key: keys["embedder"]!,
                                                     body: #"{"model":"mock-embed","input":"hello"}"#)
        #expect(embedding.status == 200, "\(embedding.body)")

        let address = try await GovernedReply.post(chat, key: keys["elsewhere"]!)
        #expect(address.status == 403 && address.code == "address_not_allowed", "\(address.body)")
        #expect(address.message.contains("127.0.0.1"))
        #expect(try await GovernedReply.post(chat, key: keys["local"]!).status == 200)

        if Date() < expiry.addingTimeInterval(-2) {
            #expect(try await GovernedReply.post(chat, key: keys["expiring"]!).status == 200)
        }
        var expired = try await GovernedReply.post(chat, key: keys["expiring"]!)
        while expired.status == 200 && Date() < expiry.addingTimeInterval(15) {
            try await Task.sleep(for: .milliseconds(250))
            expired = try await GovernedReply.post(chat, key: keys["expiring"]!)
        }
        #expect(expired.status == 401 && expired.code == "key_expired", "\(expired.body)")
        #expect(Date() >= expiry)
    }

    @Test func floodOfBadKeysIsLimitedPerAddress() async throws {
        var key = ""
        let fixture = try HubFixture { dataDir in
            key = try HubFixture.user(dataDir, "good", credits: "10").key
            try HubFixture.admin(dataDir, ["settings", "set", "--unauthenticated-rpm", "20"])
        }
        let url = fixture.baseURL + "/chat/completions"
        var statuses: [Int] = []
        var last: GovernedReply?
        for index in 0..<60 {
            let reply = try await GovernedReply.post(url, key: "ahk_wrong_\(index)")
            statuses.append(reply.status)
            last = reply
        }
        #expect(statuses.prefix(20).allSatisfy { $0 == 401 }, "\(statuses)")
        #expect(statuses.dropFirst(20).allSatisfy { $0 == 429 }, "\(statuses)")
        let retryAfter = Int(last?.headers["retry-after"] ?? "") ?? 0
        #expect(retryAfter >= 1 && retryAfter <= 60)
        // A valid key from the same address is still served.
        #expect(try await GovernedReply.post(url, key: key).status == 200)
    }

    @Test func limitSetOnARunningHubAppliesAtOnce() async throws {
        let fixture = try HubFixture(hubArguments: ["--log-level", "info"])
        let user = try fixture.user("late")
        try fixture.admin(["users", "grant", "late", "5", "--reason", "test"])
        try await fixture.waitUntilKnown(user.key)
        try fixture.admin(["limits", "set", "--user", "late", "--rpm", "1"])
        try await fixture.waitForGovernanceReload()
        let url = fixture.baseURL + "/chat/completions"
        #expect(try await GovernedReply.post(url, key: user.key).status == 200)
        let refused = try await GovernedReply.post(url, key: user.key)
        #expect(refused.status == 429 && refused.message.contains("user 'late' may make 1 requests per minute"), "\(refused.body)")
        try fixture.admin(["budgets", "set", "--user", "late", "--amount", "0.001", "--period", "week"])
        try fixture.admin(["limits", "remove", "--user", "late"])
        try await fixture.waitForGovernanceReload()
        let overBudget = try await GovernedReply.post(url, key: user.key)
        #expect(overBudget.status == 402 && overBudget.code == "budget_exceeded", "\(overBudget.body)")
    }
}
