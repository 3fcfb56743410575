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

    static func seed(_ service: AdminService, upstream: String) throws(HubError) -> [Caller] {
        @discardableResult
        func run<M: AdminMethod>(_ method: M) throws(HubError) -> M.Result { try service.perform(method, actor: actor) }

        try run(Admin.SettingsSet(starterCreditsEnabled: true, starterCredits: Amount(units: 2),
                                  paymentLink: "https://billing.example.com/buy", lowBalanceThreshold: Amount(units: 1)))
        let providers: [(String, ProviderKind, String, String)] = [
            ("openai", .openAICompatible, "\(upstream)/v1", "OpenAI"),
            ("anthropic", .anthropic, upstream, "Anthropic"),
            ("deepseek", .openAICompatible, "\(upstream)/v1", "DeepSeek"),
            ("openrouter", .openAICompatible, "\(upstream)/v1", "OpenRouter"),
        ]
        for (name, kind, url, display) in providers {
            try run(Admin.ProvidersAdd(name: name, kind: kind, baseUrl: url, displayName: display))
        }
        // Two OpenAI keys sharing traffic 2:1; DeepSeek has a key the mock always answers 503, so
        // failover to its healthy key shows in the Providers pane.
        try run(Admin.CredentialsAdd(provider: "openai", name: "main", secret: "sk-demo-openai-main-0001", weight: 100))
        try run(Admin.CredentialsAdd(provider: "openai", name: "backup", secret: "sk-demo-openai-backup-0002", weight: 50))
        try run(Admin.CredentialsAdd(provider: "anthropic", name: "main", secret: "sk-ant-demo-main-0003"))
        try run(Admin.CredentialsAdd(provider: "deepseek", name: "flaky", secret: "sk-fault-503-demo-0004", weight: 30))
        try run(Admin.CredentialsAdd(provider: "deepseek", name: "main", secret: "sk-demo-deepseek-0005"))
        try run(Admin.CredentialsAdd(provider: "openrouter", name: "main", secret: "sk-or-demo-main-0006"))

        // Credits per 1M tokens, and the provider's USD cost (the margin shows in the Pricing pane).
        let rates: [(String, String, String, String, String)] = [
            ("openai/gpt-4o", "3", "12", "2.5", "10"),
            ("openai/gpt-4o-mini", "0.2", "0.8", "0.15", "0.6"),
            ("anthropic/claude-sonnet-4", "3.6", "18", "3", "15"),
            ("deepseek/deepseek-chat", "0.35", "1.4", "0.27", "1.1"),
        ]
        for (model, input, output, costInput, costOutput) in rates {
            try run(Admin.RatesSet(model: model, input: try Amount(parsing: input), output: try Amount(parsing: output),
                                   costInput: try Amount(parsing: costInput), costOutput: try Amount(parsing: costOutput)))
        }
        try run(Admin.RatesSet(model: "openai/text-embedding-3-small", type: .embedding,
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
            try run(Admin.UsersAdd(name: name, email: email))
            let amount = try Amount(parsing: credits)
            if amount.isPositive {
                try run(Admin.UsersGrant(user: name, amount: amount, reason: "demo purchase", kind: .purchase))
            }
            let key = try run(Admin.KeysCreate(user: name, name: "demo"))
            callers.append(Caller(name: name, key: key.secret))
        }
        // Zoë spends her starter credits and is then refused (402); mallory is suspended (403). These
        // two come last: the traffic calls them only now and then.
        try run(Admin.UsersDeduct(user: "Zoë", amount: Amount(units: 2), reason: "demo: starter credits used up"))
        try run(Admin.UsersSuspend(user: "mallory", reason: "demo: abuse report"))
        return callers
    }
}
