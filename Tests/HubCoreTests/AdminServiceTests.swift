import Foundation
import GRDB
import HubTestSupport
import Testing
@testable import HubCore

@Suite("Admin service")
struct AdminServiceTests {
    @Test("mode preview counts users without balance, outstanding credits and unpriced models in use")
    func modePreviewNumbers() async throws {
        let hub = try TemporaryHub()
        for name in ["alice", "bob", "carol", "dave"] { try await hub.run(Admin.UsersAdd(name: name)) }
        try await hub.run(Admin.UsersGrant(user: "alice", amount: Amount(units: 10), reason: "x"))
        try await hub.run(Admin.UsersGrant(user: "bob", amount: Amount(nanos: 1), reason: "x"))
        try await hub.run(Admin.UsersSuspend(user: "dave"))
        try await hub.run(Admin.ProvidersAdd(name: "openai", kind: .openAICompatible, baseUrl: "https://api.openai.com/v1"))
        try await hub.run(Admin.RatesSet(model: "openai/gpt-4o", input: Amount(nanos: 2_500_000_000), output: Amount(units: 10)))
        try hub.store.sqliteWrite { db in
            for (index, model) in ["gpt-4o", "gpt-4o-mini", "o3", "o3"].enumerated() {
                var event = UsageEvent(requestId: "r\(index)", userId: 1, apiKeyId: nil, providerId: 1, model: model, status: 200)
                try event.insert(db)
            }
        }
        let before = try hub.snapshot()
        let preview = try await hub.run(Admin.ModePreview(mode: .serviceProvider))
        #expect(preview.from == .enterprise && preview.to == .serviceProvider)
        #expect(preview.activeUsers == 3)
        #expect(preview.usersWithoutBalance == 1)                  // carol (dave is suspended)
        #expect(preview.outstandingCredits == Amount(nanos: 10_000_000_001))
        #expect(preview.pricedModels == 1)
        #expect(preview.modelsWithoutRate == ["openai/gpt-4o-mini", "openai/o3"])
        #expect(preview.consequences.contains("1 of 3 active users have a zero balance and will be refused."))
        #expect(try hub.snapshot() == before, "a preview changes nothing")

        let settings = try await hub.run(Admin.ModeSet(mode: .serviceProvider))
        #expect(settings.mode == .serviceProvider)
        #expect(try await hub.run(Admin.UsersShow(user: "alice")).user.balance == Amount(units: 10), "mode.set never touches balances")
        let audit = try await hub.run(Admin.AuditList(action: "mode.set"))
        #expect(audit.count == 1)
        #expect(audit[0].before?.contains(#""mode":"enterprise""#) == true)
        #expect(audit[0].after?.contains(#""mode":"service-provider""#) == true)
    }

    @Test("new users get starter credits only in service-provider mode with them switched on")
    func starterCredits() async throws {
        let hub = try TemporaryHub()
        try await hub.run(Admin.SettingsSet(starterCreditsEnabled: true, starterCredits: Amount(units: 5)))
        #expect(try await hub.run(Admin.UsersAdd(name: "early")).balance == .zero)
        try await hub.run(Admin.ModeSet(mode: .serviceProvider))
        let user = try await hub.run(Admin.UsersAdd(name: "王小明", email: "xm@example.com"))
        #expect(user.balance == Amount(units: 5))
        let ledger = try await hub.run(Admin.UsersLedger(user: "王小明"))
        #expect(ledger.map(\.kind) == [.grant] && ledger[0].reason == "starter credits")
        #expect(try hub.ledgerViolations() == [])
    }

    @Test("provider secrets are sealed: the database files never hold them in clear")
    func secretsAreSealed() async throws {
        let hub = try TemporaryHub()
        let secret = "sk-proj-VerySecret-\(UUID().uuidString)"
        try await hub.run(Admin.ProvidersAdd(name: "openai", kind: .openAICompatible, baseUrl: "https://api.openai.com/v1"))
        let info = try await hub.run(Admin.CredentialsAdd(provider: "openai", name: "main", secret: secret))
        #expect(info.secretMasked == "sk-…\(secret.suffix(4))")
        let files = try FileManager.default.contentsOfDirectory(atPath: hub.directory.path).filter { $0.hasPrefix("hub.sqlite") }
        #expect(files.contains("hub.sqlite"))
        for file in files {
            let bytes = try Data(contentsOf: hub.directory.url.appendingPathComponent(file))
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds the secret in clear")
            #expect(bytes.range(of: Data("VerySecret".utf8)) == nil, "\(file) holds part of the secret in clear")
        }
        let audit = try await hub.run(Admin.AuditList())
        #expect(!audit.contains { ($0.after ?? "").contains("VerySecret") })
        let sealed = try hub.store.sqliteRead { db in try StoredCredential.fetchOne(db)!.sealedSecret }
        #expect(try hub.service.sealer.unseal(sealed) == secret)
    }

    @Test("a wrong secret key is a clear error when the hub opens")
    func wrongKeyIsRefused() async throws {
        let hub = try TemporaryHub()
        let otherKey = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let sealer = try SecretSealer.load(for: hub.directory, environment: [SecretSealer.environmentVariable: otherKey])
        await #expect(throws: HubError(.secretKey, "the secret key does not match this hub's database (wrong secret.key or AIGNE_HUB_SECRET_KEY)")) {
            try await hub.store.verify(sealer)
        }
        #expect(throws: HubError.self) {
            try SecretSealer.load(for: hub.directory, environment: [SecretSealer.environmentVariable: "not-base64!"])
        }
        let mode = try FileManager.default.attributesOfItem(atPath: hub.directory.secretKeyURL.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("API keys are stored only as hashes, shown once, and revocable by prefix")
    func apiKeys() async throws {
        let hub = try TemporaryHub()
        try await hub.run(Admin.UsersAdd(name: "alice"))
        let created = try await hub.run(Admin.KeysCreate(user: "alice", name: "ci"))
        #expect(created.secret.hasPrefix("ahk_") && created.secret.count == 52)
        let stored = try hub.store.sqliteRead { db in try APIKey.fetchOne(db)! }
        #expect(stored.hash == APIKeySecret.hash(created.secret))
        let dump = try hub.snapshot().joined(separator: "\n")
        #expect(!dump.contains(created.secret))
        let json = String(decoding: try HubJSON.encoder().encode(try await hub.run(Admin.KeysList())), as: UTF8.self)
        #expect(json.contains(created.key.prefix) && !json.contains(stored.hash), "JSON leaves the hash out")
        let decoded = try HubJSON.decoder().decode([APIKeyInfo].self, from: Data(json.utf8))
        #expect(decoded.map(\.key.prefix) == [created.key.prefix])
        let revoked = try await hub.run(Admin.KeysRevoke(key: created.key.prefix))
        #expect(revoked.isRevoked)
        await #expect(throws: HubError(.failedPrecondition, "key \(created.key.prefix) is already revoked")) {
            try await hub.run(Admin.KeysRevoke(key: "\(created.key.id!)"))
        }
    }

    @Test("rates keep their history; remove closes the current rate")
    func rateHistory() async throws {
        let hub = try TemporaryHub()
        try await hub.run(Admin.ProvidersAdd(name: "openai", kind: .openAICompatible, baseUrl: "https://api.openai.com/v1/"))
        try await hub.run(Admin.RatesSet(model: "openai/gpt-4o", input: Amount(nanos: 2_500_000_000), output: Amount(units: 10),
                                   costInput: Amount(units: 2), costOutput: Amount(units: 8)))
        let second = try await hub.run(Admin.RatesSet(model: "openai/gpt-4o", per: .thousand, output: Amount(nanos: 12_000_000)))
        #expect(second.rate.outputRate == Amount(units: 12))
        #expect(second.rate.inputRate == Amount(nanos: 2_500_000_000), "prices not given are kept")
        #expect(second.marginPercent == "45.0")   // (2.5 + 12) / (2 + 8) − 1
        #expect(try await hub.run(Admin.RatesHistory(model: "openai/gpt-4o")).map(\.rate.outputRate) == [Amount(units: 12), Amount(units: 10)])
        try await hub.run(Admin.RatesRemove(model: "openai/gpt-4o"))
        #expect(try await hub.run(Admin.RatesList()).isEmpty)
        #expect(try await hub.run(Admin.RatesHistory(model: "openai/gpt-4o")).count == 2)
        await #expect(throws: HubError.self) { try await hub.run(Admin.RatesSet(model: "gpt-4o", input: Amount(units: 1))) }
        await #expect(throws: HubError.self) { try await hub.run(Admin.RatesSet(model: "openai/gpt-4o")) }
    }

    @Test("removing a provider removes its credentials and rates, keeps usage, and is audited")
    func providerRemovalCascades() async throws {
        let hub = try TemporaryHub()
        try await hub.run(Admin.ProvidersAdd(name: "deepseek", kind: .openAICompatible, baseUrl: "https://api.deepseek.com"))
        try await hub.run(Admin.CredentialsAdd(provider: "deepseek", name: "a", secret: "sk-aaaaaaaaaaaaaaaa"))
        try await hub.run(Admin.RatesSet(model: "deepseek/chat", input: Amount(units: 1)))
        try hub.store.sqliteWrite { db in
            var event = UsageEvent(requestId: "r", userId: nil, apiKeyId: nil, providerId: 1, model: "chat", status: 200)
            try event.insert(db)
        }
        try await hub.run(Admin.ProvidersRemove(provider: "deepseek"))
        let counts = try hub.store.sqliteRead { db in
            (try StoredCredential.fetchCount(db), try ModelRate.fetchCount(db), try UsageEvent.fetchOne(db)?.providerId)
        }
        #expect(counts.0 == 0 && counts.1 == 0)
        #expect(counts.2 == nil, "the usage event stays, without its provider")
        #expect(try await hub.run(Admin.AuditList(action: "providers.remove")).count == 1)
    }

    @Test("bad input is refused with a message naming the problem, and changes nothing")
    func badInputChangesNothing() async throws {
        let hub = try TemporaryHub()
        try await hub.run(Admin.UsersAdd(name: "alice"))
        try await hub.run(Admin.ProvidersAdd(name: "openai", kind: .openAICompatible, baseUrl: "https://api.openai.com/v1"))
        let before = try hub.snapshot()
        let cases: [(String, () async throws -> Void)] = [
            ("unknown user 'bob'", { try await hub.run(Admin.UsersGrant(user: "bob", amount: Amount(units: 1), reason: "x")) }),
            ("the amount must be greater than zero, got -5", { try await hub.run(Admin.UsersGrant(user: "alice", amount: Amount(units: -5), reason: "x")) }),
            ("a reason is required", { try await hub.run(Admin.UsersDeduct(user: "alice", amount: Amount(units: 1), reason: "  ")) }),
            ("a user named 'ALICE' already exists", { try await hub.run(Admin.UsersAdd(name: "ALICE")) }),
            ("user name '123' is all digits: digits are read as an id", { try await hub.run(Admin.UsersAdd(name: "123")) }),
            ("'ftp://x' is not an http(s) URL", { try await hub.run(Admin.ProvidersAdd(name: "x", kind: .anthropic, baseUrl: "ftp://x")) }),
            ("unknown provider 'nope'", { try await hub.run(Admin.CredentialsAdd(provider: "nope", name: "a", secret: "s")) }),
            ("the secret is empty", { try await hub.run(Admin.CredentialsAdd(provider: "openai", name: "a", secret: " ")) }),
            ("weight must be between 0 and 10000", { try await hub.run(Admin.CredentialsAdd(provider: "openai", name: "a", secret: "s", weight: -1)) }),
            ("limit must be between 1 and 10000", { try await hub.run(Admin.AuditList(limit: 0)) }),
            ("'x' is not an email address", { try await hub.run(Admin.UsersAdd(name: "eve", email: "x")) }),
        ]
        for (message, operation) in cases {
            await #expect(throws: HubError.self, "\(message)") { try await operation() }
            do { try await operation() } catch let error as HubError { #expect(error.message == message) }
        }
        #expect(try hub.snapshot() == before)
    }

    @Test("list filters match user text literally: % and _ are not wildcards")
    func filtersAreLiteral() async throws {
        let hub = try TemporaryHub()
        for name in ["ann_b", "annxb", "100%club", "王小明"] { try await hub.run(Admin.UsersAdd(name: name)) }
        #expect(try await hub.run(Admin.UsersList(filter: "n_b")).map(\.name) == ["ann_b"])
        #expect(try await hub.run(Admin.UsersList(filter: "%")).map(\.name) == ["100%club"])
        #expect(try await hub.run(Admin.UsersList(filter: "小")).map(\.name) == ["王小明"])
        #expect(try await hub.run(Admin.UsersList(status: .suspended)).isEmpty)
    }

    @Test("usage summaries over whole days (read from the rollup) equal summaries over raw events")
    func rollupMatchesEvents() async throws {
        let hub = try TemporaryHub()
        try await hub.run(Admin.UsersAdd(name: "alice"))
        try await hub.run(Admin.UsersAdd(name: "bob"))
        try await hub.run(Admin.ProvidersAdd(name: "openai", kind: .openAICompatible, baseUrl: "https://api.openai.com/v1"))
        let day = Calendar.utc.startOfDay(for: Date()).addingTimeInterval(-3 * 86_400)
        var random = SplitMix64(seed: 7)
        try hub.store.sqliteWrite { db in
            for index in 0..<600 {
                var event = UsageEvent(
                    requestId: "r\(index)", userId: [1, 2, nil][index % 3], apiKeyId: nil, providerId: index % 5 == 0 ? nil : 1,
                    model: ["gpt-4o", "o3"][index % 2], tokensIn: Int64(random.next() % 1_000), tokensOut: Int64(random.next() % 500),
                    providerCost: Amount(nanos: Int64(random.next() % 1_000_000)), creditsCharged: Amount(nanos: Int64(random.next() % 2_000_000)),
                    latencyMs: Double(random.next() % 100), status: index % 7 == 0 ? 502 : 200,
                    createdAt: day.addingTimeInterval(Double(random.next() % (3 * 86_400))))
                try event.insert(db)
            }
        }
        for grouping in UsageGrouping.allCases {
            let rollup = try await hub.run(Admin.UsageSummary(by: grouping, since: day, until: day.addingTimeInterval(3 * 86_400)))
            let events = try await hub.run(Admin.UsageSummary(by: grouping, since: day.addingTimeInterval(-0.5), until: day.addingTimeInterval(3 * 86_400 - 0.5)))
            #expect(rollup.map(\.group) == events.map(\.group))
            #expect(rollup.map(\.requests) == events.map(\.requests) && rollup.map(\.requests).reduce(0, +) == 600)
            #expect(rollup.map(\.errors) == events.map(\.errors))
            #expect(rollup.map(\.creditsCharged) == events.map(\.creditsCharged))
            #expect(rollup.map(\.providerCost) == events.map(\.providerCost))
            #expect(rollup.map(\.tokensOut) == events.map(\.tokensOut))
            for (a, b) in zip(rollup, events) { #expect(abs(a.averageLatencyMs - b.averageLatencyMs) < 1e-9) }
        }
    }

    @Test("a credential's secret can be rotated: sealed anew, masked in the audit log, its last error cleared")
    func rotateCredential() async throws {
        let hub = try TemporaryHub()
        try await hub.run(Admin.ProvidersAdd(name: "openai", kind: .openAICompatible, baseUrl: "https://api.openai.com/v1"))
        try await hub.run(Admin.CredentialsAdd(provider: "openai", name: "main", secret: "sk-old-secret-000000001"))
        try hub.store.sqliteWrite { db in try db.execute(sql: "UPDATE credentials SET last_error = 'HTTP 401'") }
        let rotated = try await hub.run(Admin.CredentialsUpdate(provider: "openai", credential: "main", weight: 40,
                                                          secret: "sk-new-secret-RotatedOnce"))
        #expect(rotated.secretMasked == "sk-…Once" && rotated.weight == 40 && rotated.lastError == nil)
        let sealed = try hub.store.sqliteRead { db in try StoredCredential.fetchOne(db)!.sealedSecret }
        #expect(try hub.service.sealer.unseal(sealed) == "sk-new-secret-RotatedOnce")
        let audit = try await hub.run(Admin.AuditList(action: "credentials.update"))
        #expect(audit.count == 1 && !(audit[0].after ?? "").contains("RotatedOnce"))
        #expect(!(try hub.snapshot().joined().contains("RotatedOnce")))
        await #expect(throws: HubError(.invalidArgument, "the secret is empty")) {
            try await hub.run(Admin.CredentialsUpdate(provider: "openai", credential: "main", secret: "  "))
        }
    }
}
