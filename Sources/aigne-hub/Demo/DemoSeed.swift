import Foundation
import HubCore

/// The demo hub's contents: providers on the mock upstream, rates, and users with Latin and CJK
/// names, made through the admin service like any operator would (so the audit log shows them).
enum DemoSeed {
    /// A demo user and the API key its traffic uses.
    struct Caller: Sendable {
        var name: String
        var key: String
    }

    static let actor = "demo"

    /// Chat models the traffic calls, with how often (relative weights).
    static let models: [(name: String, weight: Int)] = [
        ("openai/gpt-4o", 5), ("openai/gpt-4o-mini", 8), ("anthropic/claude-sonnet-4", 4),
        ("deepseek/deepseek-chat", 3), ("openrouter/llama-3.1-70b", 1),
    ]

    static func seed(_ service: AdminService, upstream: String) async throws(HubError) -> [Caller] {
        @discardableResult
        func run<M: AdminMethod>(_ method: M) async throws(HubError) -> M.Result { try await service.perform(method, actor: actor) }

        try await run(Admin.SettingsSet(starterCreditsEnabled: true, starterCredits: Amount(units: 2),
                                  paymentLink: "https://billing.example.com/buy", lowBalanceThreshold: Amount(units: 1)))
        let providers: [(String, ProviderKind, String, String)] = [
            ("openai", .openAICompatible, "\(upstream)/v1", "OpenAI"),
            ("anthropic", .anthropic, upstream, "Anthropic"),
            ("deepseek", .openAICompatible, "\(upstream)/v1", "DeepSeek"),
            ("openrouter", .openAICompatible, "\(upstream)/v1", "OpenRouter"),
        ]
        for (name, kind, url, display) in providers {
            try await run(Admin.ProvidersAdd(name: name, kind: kind, baseUrl: url, displayName: display))
        }
        // Two OpenAI keys sharing traffic 2:1; DeepSeek has a key the mock always answers 503, so
        // failover to its healthy key shows in the Providers pane.
        try await run(Admin.CredentialsAdd(provider: "openai", name: "main", secret: "sk-demo-openai-main-0001", weight: 100))
        try await run(Admin.CredentialsAdd(provider: "openai", name: "backup", secret: "sk-demo-openai-backup-0002", weight: 50))
        try await run(Admin.CredentialsAdd(provider: "anthropic", name: "main", secret: "sk-ant-demo-main-0003"))
        try await run(Admin.CredentialsAdd(provider: "deepseek", name: "flaky", secret: "sk-fault-503-demo-0004", weight: 30))
        try await run(Admin.CredentialsAdd(provider: "deepseek", name: "main", secret: "sk-demo-deepseek-0005"))
        try await run(Admin.CredentialsAdd(provider: "openrouter", name: "main", secret: "sk-or-demo-main-0006"))

        // Credits per 1M tokens, and the provider's USD cost (the margin shows in the Pricing pane).
        let rates: [(String, String, String, String, String)] = [
            ("openai/gpt-4o", "3", "12", "2.5", "10"),
            ("openai/gpt-4o-mini", "0.2", "0.8", "0.15", "0.6"),
            ("anthropic/claude-sonnet-4", "3.6", "18", "3", "15"),
            ("deepseek/deepseek-chat", "0.35", "1.4", "0.27", "1.1"),
        ]
        for (model, input, output, costInput, costOutput) in rates {
            try await run(Admin.RatesSet(model: model, input: try Amount(parsing: input), output: try Amount(parsing: output),
                                   costInput: try Amount(parsing: costInput), costOutput: try Amount(parsing: costOutput)))
        }
        try await run(Admin.RatesSet(model: "openai/text-embedding-3-small", type: .embedding,
                               input: try Amount(parsing: "0.03"), costInput: try Amount(parsing: "0.02")))
        // openrouter/llama-3.1-70b is left unpriced: flagged in Pricing, refused in service-provider mode.

        let users: [(String, String?, String)] = [
            ("alice", "alice@example.com", "40"), ("bob", "bob@example.com", "12.5"),
            ("王小明", "xiaoming@example.tw", "25"), ("陳美玲", "meiling@example.tw", "8"),
            ("佐藤花子", "hanako@example.jp", "15"), ("José", "jose@example.es", "3"),
            ("Zoë", "zoe@example.nl", "0"), ("mallory", nil, "5"),
        ]
        var callers: [Caller] = []
        for (name, email, credits) in users {
            try await run(Admin.UsersAdd(name: name, email: email))
            let amount = try Amount(parsing: credits)
            if amount.isPositive {
                try await run(Admin.UsersGrant(user: name, amount: amount, reason: "demo purchase", kind: .purchase))
            }
            let key = try await run(Admin.KeysCreate(user: name, name: "demo"))
            callers.append(Caller(name: name, key: key.secret))
        }
        // Zoë spends her starter credits and is then refused (402); mallory is suspended (403). These
        // two come last: the traffic calls them only now and then.
        try await run(Admin.UsersDeduct(user: "Zoë", amount: Amount(units: 2), reason: "demo: starter credits used up"))
        try await run(Admin.UsersSuspend(user: "mallory", reason: "demo: abuse report"))

        // Billing (docs/billing.md): packages and a plan on sale, one subscriber, and the Stripe signing
        // secret the README's tour signs its webhook with.
        try await run(Admin.PackagesAdd(name: "starter", price: Amount(units: 10), currency: "usd", credits: Amount(units: 100),
                                  bonus: Amount(units: 10)))
        try await run(Admin.PackagesAdd(name: "team", price: Amount(units: 45), currency: "usd", credits: Amount(units: 500),
                                  bonus: Amount(units: 50)))
        try await run(Admin.PlansAdd(name: "pro", interval: .month, credits: Amount(units: 100), price: Amount(units: 20),
                               rolloverCap: Amount(units: 20)))
        try await run(Admin.SubscriptionsStart(user: "陳美玲", plan: "pro"))
        try await run(Admin.WebhookSecretsAdd(processor: .stripe, secret: stripeSecret))
        // An operator endpoint nothing listens on: its notices show retrying in 6 Billing, Notices.
        try await run(Admin.NoticeEndpointsAdd(url: "http://127.0.0.1:9/hub-notices", secret: "demo-notice-secret-0123456789"))
        return callers
    }

    /// The demo's Stripe webhook signing secret (a demo has no secrets worth keeping).
    static let stripeSecret = "whsec_demo_0123456789abcdef"

    /// Two Checkout payments, signed as Stripe signs them and taken by the hub's webhook intake: José
    /// buys the starter package; the other names a user the hub does not know, so it waits in
    /// 6 Billing as a pending payment for support to resolve.
    static func receivePayments(_ intake: WebhookIntake) async throws(HubError) {
        for (event, user) in [("evt_demo_1", "José"), ("evt_demo_2", "dave")] {
            let body = """
                {"id":"\(event)","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_\(event)",\
                "object":"checkout.session","mode":"payment","payment_status":"paid","client_reference_id":"\(user)",\
                "metadata":{"package":"starter"},"amount_total":1000,"currency":"usd","payment_intent":"pi_\(event)"}}}
                """
            let payload = Data(body.utf8)
            let signature = WebhookSignature.stripeHeader(payload: payload, secret: stripeSecret,
                                                          timestamp: Int64(Date().timeIntervalSince1970))
            _ = try await intake.receive(.stripe, payload: payload, signature: signature)
        }
    }
}
