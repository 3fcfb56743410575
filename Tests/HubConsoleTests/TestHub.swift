import Foundation
import GRDB
@testable import HubConsole
import HubAdmin
@testable import HubCore

/// A real hub in a temporary directory, with users (one with a CJK name), providers, a rate and
/// some usage, reached through a `DatabaseConnection` like the console does.
struct TestHub {
    let directory: DataDirectory
    let connection: DatabaseConnection

    /// `seeded: false`: an empty hub (no users, providers or usage).
    static func make(mode: DeploymentMode = .enterprise, seeded: Bool = true) async throws -> TestHub {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("console-test-\(UUID().uuidString)")
        let directory = DataDirectory(url: url)
        try HubStore.initialize(directory, mode: mode, environment: [:])
        let hub = TestHub(directory: directory, connection: try await DatabaseConnection.open(directory, surface: "test"))
        if seeded { try await hub.seed() }
        return hub
    }

    func remove() { try? FileManager.default.removeItem(at: directory.url) }

    private func seed() async throws {
        let service = connection.service
        for (name, email) in [("王小明", "wang@example.com"), ("alice", "alice@example.com"), ("bob", nil)] {
            _ = try await service.perform(Admin.UsersAdd(name: name, email: email), actor: "test")
        }
        _ = try await service.perform(Admin.UsersGrant(user: "王小明", amount: Amount(units: 25), reason: "welcome"), actor: "test")
        _ = try await service.perform(Admin.ProvidersAdd(name: "openai", kind: .openAICompatible, baseUrl: "https://api.openai.com/v1"), actor: "test")
        _ = try await service.perform(Admin.ProvidersAdd(name: "anthropic", kind: .anthropic, baseUrl: "https://api.anthropic.com"), actor: "test")
        _ = try await service.perform(Admin.CredentialsAdd(provider: "openai", name: "main", secret: "sk-test-1234567890abcd"), actor: "test")
        _ = try await service.perform(Admin.RatesSet(model: "openai/gpt-4o", input: Amount(units: 5), output: Amount(units: 15),
                                               costInput: Amount(nanos: 2_500_000_000), costOutput: Amount(units: 10)), actor: "test")
        try insertUsage(user: 1, provider: 1, model: "gpt-4o", count: 3, status: 200)
        try insertUsage(user: 2, provider: 2, model: "claude-3-5-sonnet", count: 2, status: 502)
    }

    func insertUsage(user: Int64, provider: Int64, model: String, count: Int, status: Int, at time: Date = Date()) throws {
        try connection.service.store.sqliteWrite { db in
            for _ in 0..<count {
                var event = UsageEvent(requestId: UUID().uuidString, userId: user, apiKeyId: nil, providerId: provider,
                                       model: model, tokensIn: 120, tokensOut: 80, creditsCharged: Amount(nanos: 1_500_000_000),
                                       latencyMs: 240, status: status, createdAt: time)
                try event.insert(db)
            }
        }
    }
}

/// Runs effects against a hub until the state asks for nothing more (loads, and changes when allowed).
struct Driver {
    var state: ConsoleState
    let bridge: HubBridge
    /// Every change the state machine asked for, in order.
    var performed: [Mutation] = []

    /// `connection`: how the console reaches `hub` (default: its database connection).
    init(hub: TestHub, readOnly: Bool = false, language: Language = .english, connection: (any HubConnection)? = nil) async {
        state = ConsoleState(endpoint: hub.connection.endpoint, readOnly: readOnly, strings: Strings(language),
                             themeName: "default", now: Date(timeIntervalSince1970: 1_800_000_000))
        bridge = HubBridge(connection: connection ?? hub.connection, readOnly: readOnly)
        await run(state.start())
    }

    mutating func press(_ keys: Key...) async { for key in keys { await run(state.handle(key)) } }
    mutating func type(_ text: String) async { for key in Key.typing(text) { await run(state.handle(key)) } }

    mutating func run(_ effects: [Effect]) async {
        var pending = effects
        while !pending.isEmpty {
            let effect = pending.removeFirst()
            switch effect {
            case .load(let query): pending += state.apply(await bridge.load(query))
            case .perform(let mutation):
                performed.append(mutation)
                pending += state.apply(await bridge.perform(mutation))
            case .setTheme, .quit: break
            }
        }
    }

    func screen(width: Int = 100, height: Int = 30, theme: Theme = .builtinDefault) -> ScreenModel {
        ConsoleView.render(state, theme: theme, width: width, height: height, timeZone: TimeZone(identifier: "UTC")!)
    }
}
