import HubTestSupport
import Foundation
import GRDB
@testable import HubCore

/// A real hub for a test: a temporary data directory set up with the `aigne-hub admin` CLI, a
/// mock upstream process and a hub process on free loopback ports.
final class HubFixture: @unchecked Sendable {
    // @unchecked: every property is set in init and never mutated; the processes are Sendable-safe wrappers.
    let dataDir: String
    let mock: Spawned
    let hub: Spawned
    let anthropicMock: Spawned?

    /// `mode`: enterprise or service-provider. `credentials`: secrets of the mock provider's credentials
    /// (a `fault-<spec>` inside one makes the mock fail requests made with it).
    /// `beforeServe`: more set-up (by data directory) before the hub starts.
    init(mode: String = "service-provider", mockArguments: [String] = [], hubArguments: [String] = [],
         credentials: [String] = ["sk-good-credential"], withAnthropic: Bool = false,
         beforeServe: (_ dataDir: String) throws -> Void = { _ in }) throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString)").path
        self.dataDir = dataDir
        func admin(_ arguments: [String], environment: [String: String] = [:]) throws {
            try HubFixture.admin(dataDir, arguments, environment: environment)
        }
        try runHub(["init", "--data-dir", dataDir, "--mode", mode])
        mock = try Spawned(["mock-upstream", "--port", "0"] + mockArguments, logName: "mock")
        try admin(["providers", "add", "mock", "--kind", "openai-compatible", "--base-url", mock.url + "/v1"])
        for (index, secret) in credentials.enumerated() {
            try admin(["credentials", "add", "mock", "--name", "c\(index)", "--secret-env", "CRED"], environment: ["CRED": secret])
        }
        try admin(["rates", "set", "mock/mock-model", "--input", "1", "--output", "2", "--per", "1K",
                   "--cost-input", "0.5", "--cost-output", "1"])
        try admin(["rates", "set", "mock/mock-embed", "--type", "embedding", "--input", "0.1", "--per", "1K"])
        if withAnthropic {
            let second = try Spawned(["mock-upstream", "--port", "0"] + mockArguments, logName: "mock-anthropic")
            anthropicMock = second
            try admin(["providers", "add", "claude", "--kind", "anthropic", "--base-url", second.url])
            try admin(["credentials", "add", "claude", "--name", "main", "--secret-env", "CRED"], environment: ["CRED": "sk-ant-good"])
            try admin(["rates", "set", "claude/claude-mock", "--input", "3", "--output", "15", "--per", "1M"])
        } else {
            anthropicMock = nil
        }
        try beforeServe(dataDir)
        hub = try Spawned(["serve", "--data-dir", dataDir, "--port", "0"] + hubArguments, logName: "hub")
    }

    var baseURL: String { hub.url + "/v1" }

    @discardableResult
    func admin(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        try Self.admin(dataDir, arguments, environment: environment)
    }

    @discardableResult
    static func admin(_ dataDir: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        try runHub(["admin"] + arguments + ["--data-dir", dataDir], environment: environment)
    }

    /// Adds a user with `credits` (if any) and returns a new API key's secret.
    func user(_ name: String, credits: String? = nil) throws -> (id: Int64, key: String) {
        try Self.user(dataDir, name, credits: credits)
    }

    /// ``user(_:credits:)`` on a data directory (before the hub starts); `keyOptions` go to `keys create`.
    static func user(_ dataDir: String, _ name: String, credits: String? = nil,
                     keyOptions: [String] = []) throws -> (id: Int64, key: String) {
        func admin(_ arguments: [String]) throws -> String { try Self.admin(dataDir, arguments) }
        _ = try admin(["users", "add", name])
        if let credits { _ = try admin(["users", "grant", name, credits, "--reason", "test"]) }
        let created = try admin(["keys", "create", name, "--name", "test", "--json"] + keyOptions)
        let json = try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any]
        guard let secret = json?["secret"] as? String, let key = json?["key"] as? [String: Any],
              let userId = (key["user_id"] as? NSNumber)?.int64Value else {
            throw TestFailure("unexpected keys create output: \(created)")
        }
        return (userId, secret)
    }

    /// The mock upstream's request counts: in all, and per API key.
    func mockStats() async throws -> (requests: Int, byKey: [String: Int]) {
        let text = try await TestHTTP.get(mock.url + "/mock/stats")
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return (json?["requests"] as? Int ?? 0, json?["by_key"] as? [String: Int] ?? [:])
    }

    /// Read access to the hub's database.
    func database() throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: dataDir + "/hub.sqlite", configuration: configuration)
    }

    /// Waits (up to `seconds`) until `condition` holds; returns whether it did.
    func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try condition()
    }

    /// For every user: the sum of the ledger equals the balance, and no balance is negative.
    func ledgerInvariantHolds() throws -> Bool {
        try database().read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT u.id, u.balance, COALESCE((SELECT SUM(amount) FROM ledger l WHERE l.user_id = u.id), 0) AS total
                FROM users u
                """)
            return rows.allSatisfy { ($0["balance"] as Int64) == ($0["total"] as Int64) && ($0["balance"] as Int64) >= 0 }
        }
    }

    func stop() {
        hub.stop()
        // The mocks keep no state, and a mock holding a `timeout` fault would make SIGTERM wait.
        mock.stop(signal: SIGKILL)
        anthropicMock?.stop(signal: SIGKILL)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: dataDir)
    }
}
