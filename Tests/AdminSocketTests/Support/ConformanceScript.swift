import Foundation
import HubAdmin
@testable import HubCore

/// One call of the conformance script and the outcome it must have on every endpoint.
struct ScriptStep: Sendable {
    let method: String
    /// nil: must succeed; else the HubError code it must fail with.
    let expected: HubError.Code?
    let run: @Sendable (any HubConnection, TestHub) async throws(HubError) -> Data
}

/// What one endpoint answered to one step, with what legitimately differs between runs
/// (times, actors, random key secrets, live fields) normalised away.
struct TranscriptLine: Sendable, Equatable, CustomStringConvertible {
    let method: String
    let outcome: String
    let code: HubError.Code?
    var description: String { "\(method) → \(outcome)" }
}

enum ConformanceScript {
    static func step<M: AdminMethod>(_ method: M, _ expected: HubError.Code? = nil) -> ScriptStep {
        ScriptStep(method: M.name, expected: expected) { connection, _ throws(HubError) in
            let result = try await connection.call(method)
            return (try? HubJSON.encoder().encode(result)) ?? Data("unencodable".utf8)
        }
    }

    /// Usage events written the way the gateway writes them (not an admin method).
    static let seedUsage = ScriptStep(method: "(gateway writes usage)", expected: nil) { _, hub throws(HubError) in
        do {
            try hub.insertUsage(3, userId: 1, providerId: 1, at: Date().addingTimeInterval(-3_600), requestPrefix: "a")
            try hub.insertUsage(2, userId: 2, providerId: 1, model: "gpt-4o-mini", at: Date().addingTimeInterval(-600),
                                requestPrefix: "b")
        } catch {
            throw HubError(.storage, "\(error)")
        }
        return Data("{}".utf8)
    }

    /// Every admin method, with successes and each kind of refusal.
    static let steps: [ScriptStep] = {
        typealias A = Admin
        let week = Date().addingTimeInterval(-7 * 86_400)
        let soon = Date().addingTimeInterval(60)
        let month = String(UsageRollup.day(Date()).prefix(7))
        return [
            step(A.HubStatus()),
            step(A.ModeGet()),
            step(A.SettingsGet()),
            step(A.ModePreview(mode: .serviceProvider)),
            step(A.SettingsSet(starterCreditsEnabled: true, starterCredits: Amount(nanos: 5_000_000_000),
                               paymentLink: "https://pay.example.com/buy")),
            step(A.SettingsSet(paymentLink: "ftp://pay.example.com"), .invalidArgument),
            step(A.SettingsSet(lowBalanceThreshold: Amount(nanos: -1)), .invalidArgument),
            step(A.ModeSet(mode: .serviceProvider)),
            step(A.UsersAdd(name: "alice", email: "alice@example.com")),
            step(A.UsersAdd(name: "bob")),
            step(A.UsersAdd(name: "李小龙", email: "li@example.com")),
            step(A.UsersAdd(name: "Alice"), .alreadyExists),
            step(A.UsersAdd(name: "  "), .invalidArgument),
            step(A.UsersAdd(name: "carol", email: "not-an-email"), .invalidArgument),
            step(A.UsersList()),
            step(A.UsersList(filter: "ali", status: .active, limit: 10)),
            step(A.UsersList(limit: 0), .invalidArgument),
            step(A.UsersGrant(user: "alice", amount: Amount(nanos: 100_000_000_000), reason: "top-up", idempotencyKey: "grant-1")),
            step(A.UsersGrant(user: "alice", amount: Amount(nanos: 100_000_000_000), reason: "again", idempotencyKey: "grant-1"), .duplicate),
            step(A.UsersGrant(user: "alice", amount: Amount(nanos: -1), reason: "negative"), .invalidArgument),
            step(A.UsersGrant(user: "alice", amount: Amount(nanos: 1), reason: "usage?", kind: .usage), .invalidArgument),
            step(A.UsersGrant(user: "nobody", amount: Amount(nanos: 1), reason: "x"), .notFound),
            step(A.UsersDeduct(user: "bob", amount: Amount(nanos: 1_000_000_000_000), reason: "too much"), .insufficientBalance),
            step(A.UsersDeduct(user: "alice", amount: Amount(nanos: 10_000_000_000), reason: "correction", idempotencyKey: "deduct-1")),
            step(A.UsersDeduct(user: "alice", amount: Amount(nanos: 1), reason: " "), .invalidArgument),
            step(A.UsersShow(user: "alice")),
            step(A.UsersShow(user: "3")),
            step(A.UsersShow(user: "nobody"), .notFound),
            step(A.UsersLedger(user: "alice")),
            step(A.UsersLedger(user: "nobody"), .notFound),
            step(A.UsersSuspend(user: "bob", reason: "abuse report")),
            step(A.UsersSuspend(user: "bob"), .failedPrecondition),
            step(A.UsersResume(user: "2", reason: "cleared")),
            step(A.UsersResume(user: "bob"), .failedPrecondition),
            step(A.KeysCreate(user: "alice", name: "laptop")),
            step(A.KeysCreate(user: "alice", name: "ci")),
            step(A.KeysCreate(user: "nobody", name: "x"), .notFound),
            step(A.KeysCreate(user: "alice", name: ""), .invalidArgument),
            step(A.KeysList()),
            step(A.KeysList(user: "alice")),
            step(A.KeysRevoke(key: "1")),
            step(A.KeysRevoke(key: "1"), .failedPrecondition),
            step(A.KeysRevoke(key: "ahk_"), .invalidArgument),
            step(A.KeysRevoke(key: "999"), .notFound),
            step(A.ProvidersAdd(name: "openai", kind: .openAICompatible, baseUrl: "https://api.openai.com/v1/")),
            step(A.ProvidersAdd(name: "anthropic", kind: .anthropic, baseUrl: "https://api.anthropic.com", enabled: false)),
            step(A.ProvidersAdd(name: "OpenAI", kind: .openAICompatible, baseUrl: "https://x.example.com"), .alreadyExists),
            step(A.ProvidersAdd(name: "bad", kind: .gemini, baseUrl: "not a url"), .invalidArgument),
            step(A.ProvidersAdd(name: "a/b", kind: .gemini, baseUrl: "https://x.example.com"), .invalidArgument),
            seedUsage,
            step(A.ProvidersList()),
            step(A.ProvidersUpdate(provider: "openai", displayName: "OpenAI")),
            step(A.ProvidersUpdate(provider: "nobody", name: "x"), .notFound),
            step(A.ProvidersDisable(provider: "openai")),
            step(A.ProvidersEnable(provider: "openai")),
            step(A.ProvidersEnable(provider: "missing"), .notFound),
            step(A.CredentialsAdd(provider: "openai", name: "main", secret: "sk-test-1234567890abcdef", weight: 50)),
            step(A.CredentialsAdd(provider: "openai", name: "main", secret: "sk-other-0987654321"), .alreadyExists),
            step(A.CredentialsAdd(provider: "openai", name: "backup", secret: "sk-x", weight: 20_000), .invalidArgument),
            step(A.CredentialsUpdate(provider: "openai", credential: "main", weight: 80, secret: "sk-rotated-1234567890")),
            step(A.CredentialsUpdate(provider: "openai", credential: "main", weight: -1), .invalidArgument),
            step(A.CredentialsUpdate(provider: "openai", credential: "nope", weight: 1), .notFound),
            step(A.CredentialsList()),
            step(A.CredentialsList(provider: "openai")),
            step(A.CredentialsDisable(provider: "openai", credential: "main")),
            step(A.CredentialsEnable(provider: "openai", credential: "1")),
            step(A.CredentialsDisable(provider: "openai", credential: "nope"), .notFound),
            step(A.RatesSet(model: "openai/gpt-4o", input: Amount(nanos: 2_500_000_000), output: Amount(nanos: 10_000_000_000),
                            costInput: Amount(nanos: 2_000_000_000), costOutput: Amount(nanos: 8_000_000_000))),
            step(A.RatesSet(model: "openai/gpt-4o", output: Amount(nanos: 12_000_000_000))),
            step(A.RatesSet(model: "gpt-4o", input: Amount(nanos: 1)), .invalidArgument),
            step(A.RatesSet(model: "openai/gpt-4o"), .invalidArgument),
            step(A.RatesSet(model: "missing/gpt-4o", input: Amount(nanos: 1)), .notFound),
            step(A.RatesList()),
            step(A.RatesList(provider: "openai")),
            step(A.RatesHistory(model: "openai/gpt-4o")),
            step(A.ModePreview(mode: .enterprise)),
            step(A.UsageSummary()),
            step(A.UsageSummary(by: .model, since: week)),
            step(A.UsageSummary(by: .provider, since: week)),
            step(A.UsageSummary(since: Date(), until: week), .invalidArgument),
            step(A.UsageRecent()),
            step(A.UsersShow(user: "alice")),
            step(A.UsageRecent(user: "alice", limit: 2)),
            step(A.UsageRecent(user: "nobody"), .notFound),
            step(A.ReportChargeback(month: month)),
            step(A.ReportChargeback(month: month, by: .user)),
            step(A.ReportChargeback(month: month, by: .model)),
            step(A.ReportChargeback(month: "2026-13"), .invalidArgument),
            step(A.UsageExport(since: week, until: soon, limit: 2)),
            step(A.UsageExport(since: week, until: soon, after: 2, limit: 10)),
            step(A.UsageExport(since: soon, until: week), .invalidArgument),
            step(A.UsageExport(since: week, until: soon, limit: 0), .invalidArgument),
            step(A.UsageExport(since: week, until: soon, after: 999_999), .failedPrecondition),
            step(A.RetentionGet()),
            step(A.RetentionSet(days: 30)),
            step(A.RetentionSet(days: 0), .invalidArgument),
            step(A.RetentionSet(days: nil)),
            step(A.RetentionVacuum()),
            step(A.RatesRemove(model: "openai/gpt-4o")),
            step(A.RatesRemove(model: "openai/gpt-4o"), .notFound),
            step(A.CredentialsRemove(provider: "openai", credential: "main")),
            step(A.CredentialsRemove(provider: "openai", credential: "main"), .notFound),
            step(A.ProvidersRemove(provider: "anthropic")),
            step(A.ProvidersRemove(provider: "anthropic"), .notFound),
            step(A.ModeSet(mode: .enterprise)),
        ] + billingSteps + governanceSteps + [
            step(A.UsersSummaries()),
            step(A.UsersSummaries(filter: "ali", limit: 5)),
            step(A.UsersSummaries(limit: 0), .invalidArgument),
            step(A.ProvidersHealth()),
            step(A.RatesUnpriced()),
            step(A.TeamsMemberships()),
            step(A.AuditList(limit: 100)),
            step(A.AuditList(action: "users.", target: "alice")),
            step(A.AuditList(limit: 0), .invalidArgument),
            step(A.NodesList()),
            step(A.HubStatus()),
        ]
    }()

    /// A payment event received the way the gateway receives it (not an admin method): unknown user.
    static let seedPendingPayment = ScriptStep(method: "(gateway receives a payment)", expected: nil) { _, hub throws(HubError) in
        let event = PaymentEvent(processor: .generic, eventId: "ord-1", eventType: "purchase", action: .purchase,
                                 paymentRef: "ord-1", userRef: "zoe", packageRef: "starter", amount: Amount(units: 10), currency: "usd")
        let receipt = try await hub.store.write { db in try PaymentBook.receive(event, db) }
        return (try? HubJSON.encoder().encode(receipt)) ?? Data()
    }

    /// `codes.redeem` of a code made just before (codes are random: the step makes its own).
    static let redeemFreshCode = ScriptStep(method: Admin.CodesRedeem.name, expected: nil) { connection, _ throws(HubError) in
        let batch = try await connection.call(Admin.CodesCreate(count: 1, value: Amount(units: 2)))
        let redemption = try await connection.call(Admin.CodesRedeem(user: "alice", code: batch.codes[0]))
        return (try? HubJSON.encoder().encode(redemption)) ?? Data()
    }

    /// Packages, payments, webhook secrets and redemption codes (issue #11).
    static let billingSteps: [ScriptStep] = {
        typealias A = Admin
        return [
            step(A.PackagesAdd(name: "starter", price: Amount(units: 10), currency: "USD", credits: Amount(units: 100),
                               bonus: Amount(units: 10))),
            step(A.PackagesAdd(name: "Starter", price: Amount(units: 1), currency: "usd", credits: Amount(units: 1)), .alreadyExists),
            step(A.PackagesAdd(name: "bad", price: Amount(units: 1), currency: "dollars", credits: Amount(units: 1)), .invalidArgument),
            step(A.PackagesAdd(name: "free", price: .zero, currency: "usd", credits: .zero), .invalidArgument),
            step(A.PackagesUpdate(package: "starter", bonus: Amount(units: 20))),
            step(A.PackagesUpdate(package: "nope", bonus: Amount(units: 1)), .notFound),
            step(A.PackagesList()),
            step(A.WebhookSecretsAdd(processor: .stripe, secret: "whsec_conformance_0123456789")),
            step(A.WebhookSecretsAdd(processor: .generic, secret: "short"), .invalidArgument),
            step(A.WebhookSecretsList()),
            step(A.WebhookSecretsRemove(id: 1)),
            step(A.WebhookSecretsRemove(id: 1), .notFound),
            seedPendingPayment,
            step(A.PaymentsList(pending: true)),
            step(A.PaymentsPreview(payment: 1, user: "nobody"), .notFound),
            step(A.PaymentsPreview(payment: 1, user: "alice", package: "nope"), .notFound),
            step(A.PaymentsPreview(payment: 1, user: "alice")),
            step(A.PaymentsResolve(payment: 1, user: "nobody"), .notFound),
            step(A.PaymentsResolve(payment: 1, user: "alice", idempotencyKey: "console:resolve-1")),
            step(A.PaymentsResolve(payment: 1, user: "alice", idempotencyKey: "console:resolve-1"), .duplicate),
            step(A.PaymentsResolve(payment: 1, user: "alice"), .failedPrecondition),
            step(A.PaymentsPreview(payment: 1, user: "alice"), .failedPrecondition),
            step(A.PaymentsResolve(payment: 99, user: "alice"), .notFound),
            step(A.PaymentsList(user: "alice", limit: 5)),
            step(A.PaymentsList(limit: 0), .invalidArgument),
            step(A.PackagesDisable(package: "starter")),
            step(A.PackagesDisable(package: "starter"), .failedPrecondition),
            step(A.CodesCreate(count: 3, value: Amount(units: 5), maxPerUser: 1, note: "launch")),
            step(A.CodesCreate(count: 0, value: Amount(units: 5)), .invalidArgument),
            step(A.CodesCreate(count: 2, value: Amount(units: 1), idempotencyKey: "console:codes-1")),
            step(A.CodesCreate(count: 2, value: Amount(units: 1), idempotencyKey: "console:codes-1"), .duplicate),
            step(A.CodesCreate(count: 2, value: Amount(units: 1), idempotencyKey: " "), .invalidArgument),
            step(A.CodesCreate(count: 1, value: Amount(units: 5), expires: Date(timeIntervalSince1970: 0)), .invalidArgument),
            redeemFreshCode,
            step(A.CodesRedeem(user: "alice", code: "AHR-0000-0000-0000-0000"), .notFound),
            step(A.CodesList()),
            step(A.CodesDisable(batch: 1)),
            step(A.CodesDisable(batch: 1), .failedPrecondition),
            step(A.CodesDisable(batch: 99), .notFound),
            step(A.PlansAdd(name: "pro", interval: .month, credits: Amount(units: 100), price: Amount(units: 20), rolloverCap: Amount(units: 10))),
            step(A.PlansAdd(name: "PRO", interval: .year, credits: Amount(units: 1)), .alreadyExists),
            step(A.PlansAdd(name: "none", interval: .year, credits: .zero), .invalidArgument),
            step(A.PlansUpdate(plan: "pro", credits: Amount(units: 120))),
            step(A.PlansUpdate(plan: "nope", credits: Amount(units: 1)), .notFound),
            step(A.PlansList()),
            step(A.SubscriptionsStart(user: "alice", plan: "pro")),
            step(A.SubscriptionsStart(user: "alice", plan: "pro"), .alreadyExists),
            step(A.SubscriptionsStart(user: "bob", plan: "nope"), .notFound),
            step(A.SubscriptionsList()),
            step(A.SubscriptionsList(user: "alice")),
            step(A.SubscriptionsCancel(user: "alice")),
            step(A.SubscriptionsCancel(user: "alice"), .notFound),
            step(A.PlansDisable(plan: "pro", idempotencyKey: "console:plan-1")),
            step(A.PlansDisable(plan: "pro", idempotencyKey: "console:plan-1"), .duplicate),   // a resend: applied once
            step(A.PlansDisable(plan: "pro"), .failedPrecondition),
            step(A.SubscriptionsStart(user: "bob", plan: "pro"), .failedPrecondition),
            step(A.NoticeEndpointsAdd(url: "https://ops.example.com/hub-notices", secret: "notice_secret_0123456789")),
            step(A.NoticeEndpointsAdd(url: "ftp://ops.example.com", secret: "notice_secret_0123456789"), .invalidArgument),
            step(A.NoticeEndpointsAdd(url: "https://ops.example.com", secret: "short"), .invalidArgument),
            step(A.NoticeEndpointsList()),
            step(A.SettingsSet(lowBalanceThreshold: Amount(units: 50))),
            step(A.UsersDeduct(user: "alice", amount: Amount(units: 300), reason: "under the threshold")),
            step(A.NoticesList(pending: true)),
            step(A.NoticesList(limit: 0), .invalidArgument),
            step(A.NoticeEndpointsRemove(id: 1)),
            step(A.NoticeEndpointsRemove(id: 1), .notFound),
            step(A.RevenueSummary()),
            step(A.RevenueSummary(by: .month)),
            step(A.RevenueSummary(since: Date(), until: Date(timeIntervalSince1970: 0)), .invalidArgument),
        ]
    }()

    /// Runs every step against `connection` on `hub`.
    static func transcript(_ connection: any HubConnection, hub: TestHub) async -> [TranscriptLine] {
        var lines: [TranscriptLine] = []
        for step in steps {
            do {
                let data = try await step.run(connection, hub)
                lines.append(TranscriptLine(method: step.method, outcome: "ok " + Normalise.json(data), code: nil))
            } catch {
                lines.append(TranscriptLine(method: step.method, outcome: "error \(error.code.rawValue): \(Normalise.text(error.message))",
                                            code: error.code))
            }
        }
        return lines
    }
}

/// Replaces what legitimately differs between two runs of the script.
enum Normalise {
    private static let times: Set<String> = ["created_at", "updated_at", "valid_from", "valid_to", "last_used_at", "revoked_at",
                                            "time", "period_start", "period_end", "expires_at", "disabled_at", "resolved_at",
                                            "cancelled_at", "redeemed_at", "next_attempt_at", "delivered_at",
                                            "resets_at", "added_at", "soft_notice_period",
                                            "oldest_event", "last_run_at"]
    /// `hub.status` fields only a running hub knows (absent when the database answers).
    private static let live: Set<String> = ["running", "pid", "started_at", "uptime_seconds", "in_flight", "subscribers",
                                           "data_dir"]

    static func json(_ data: Data) -> String {
        guard let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            return String(decoding: data, as: UTF8.self)
        }
        let normalised = walk(value, key: nil)
        let out = (try? JSONSerialization.data(withJSONObject: normalised, options: [.sortedKeys, .fragmentsAllowed])) ?? Data()
        return String(decoding: out, as: UTF8.self)
    }

    static func text(_ text: String) -> String {
        text.replacingOccurrences(of: #"ahk_[0-9a-f]+"#, with: "ahk_…", options: .regularExpression)
            .replacingOccurrences(of: #"AHR(-[0-9A-Z]{4}){4}"#, with: "AHR-…", options: .regularExpression)
            .replacingOccurrences(of: #"ntc_[0-9a-f]{32}"#, with: "ntc_…", options: .regularExpression)
            .replacingOccurrences(of: #"…[0-9A-Z]{4} \(batch"#, with: "…code (batch", options: .regularExpression)
    }

    private static func walk(_ value: Any, key: String?) -> Any {
        if let key {
            if times.contains(key), !(value is NSNull) { return "<time>" }
            switch key {
            case "actor", "resolved_by", "created_by": return "<actor>"
            case "hash", "secret": return "<secret>"
            case "bytes_before", "bytes_after": return "<bytes>"
            case "idempotency_key" where (value as? String)?.count == 36: return "<uuid>"
            case "before", "after", "payload":
                // Audit snapshots are JSON text: normalise inside them too.
                if let text = value as? String { return json(Data(text.utf8)) }
            default: break
            }
        }
        switch value {
        case let object as [String: Any]:
            return Dictionary(uniqueKeysWithValues: object.filter { !live.contains($0.key) }.map { ($0.key, walk($0.value, key: $0.key)) })
        case let array as [Any]:
            return array.map { walk($0, key: nil) }
        case let text as String:
            return self.text(text)
        default:
            return value
        }
    }
}
