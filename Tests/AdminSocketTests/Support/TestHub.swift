import Foundation
import GRDB
import HubAdmin
@testable import HubCore
import Logging

/// A fresh hub in a temporary directory (real SQLite file, real secret key).
struct TestHub: Sendable {
    let directory: DataDirectory
    let service: AdminService

    var store: HubStore { service.store }
    var socketPath: String { directory.adminSocketURL.path }

    static func create(mode: DeploymentMode = .enterprise) throws -> TestHub {
        // Short: a Unix socket path must fit in 108 bytes.
        let url = URL(fileURLWithPath: "/tmp/ahs-\(UUID().uuidString.prefix(12).lowercased())")
        let directory = DataDirectory(url: url)
        let (store, sealer) = try HubStore.initialize(directory, mode: mode, environment: [:])
        return TestHub(directory: directory, service: AdminService(store: store, sealer: sealer))
    }

    /// Usage events as the gateway would write them; returns their ids.
    @discardableResult
    func insertUsage(_ count: Int, userId: Int64? = nil, providerId: Int64? = nil, model: String = "gpt-4o",
                     at time: Date = Date(), requestPrefix: String = UUID().uuidString) throws -> [Int64] {
        let events = Self.usageEvents(count, userId: userId, providerId: providerId, model: model, at: time, requestPrefix: requestPrefix)
        return try store.sqliteWrite { db in
            try events.map { event in
                var event = event
                try event.insert(db)
                return event.id!
            }
        }
    }

    /// ``insertUsage(_:userId:providerId:model:at:requestPrefix:)`` through the store's async
    /// seam, so on either backend (SQLite or PostgreSQL); returns the events' ids.
    @discardableResult
    func writeUsage(_ count: Int, userId: Int64? = nil, providerId: Int64? = nil, model: String = "gpt-4o",
                    at time: Date = Date(), requestPrefix: String = UUID().uuidString) async throws -> [Int64] {
        let events = Self.usageEvents(count, userId: userId, providerId: providerId, model: model, at: time, requestPrefix: requestPrefix)
        // Multi-row statements, as the usage writer writes them: quick on PostgreSQL too, so that the
        // live-feed tests see all of them within the stats window.
        return try await store.write { db in
            try UsageSettlement.insert(events, db)
            return try Int64.fetchAll(db, sql: "SELECT id FROM usage_events WHERE request_id LIKE ? ORDER BY id",
                                      arguments: ["req-\(requestPrefix)-%"])
        }
    }

    /// `count` usage events as the gateway would write them: every tenth failed (502).
    private static func usageEvents(_ count: Int, userId: Int64?, providerId: Int64?, model: String, at time: Date,
                                    requestPrefix: String) -> [UsageEvent] {
        (0..<count).map { (index: Int) -> UsageEvent in
            let tokensIn = Int64(100 + index)
            let latency = Double(120 + index % 50)
            let status = index % 10 == 9 ? 502 : 200
            return UsageEvent(
                requestId: "req-\(requestPrefix)-\(index)", userId: userId, apiKeyId: nil, providerId: providerId,
                model: model, tokensIn: tokensIn, tokensOut: 50, creditsCharged: Amount(nanos: 1_000),
                latencyMs: latency, status: status, createdAt: time)
        }
    }

    /// Every row of every table, in rowid order: compare before and after to prove nothing changed.
    func tableContents() throws -> [String: [[DatabaseValue]]] {
        try store.sqliteRead { db in
            let tables = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name
                """)
            var contents: [String: [[DatabaseValue]]] = [:]
            for table in tables {
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\" ORDER BY rowid")
                contents[table] = rows.map { Array($0.databaseValues) }
            }
            return contents
        }
    }

    func remove() { try? FileManager.default.removeItem(at: directory.url) }
}

/// An admin socket server running in this process, on a hub's data directory.
struct RunningServer: Sendable {
    let path: String
    private let task: Task<Void, any Error>

    static var quietLogger: Logger {
        var logger = Logger(label: "test.admin-socket")
        logger.logLevel = .warning
        return logger
    }

    /// Starts the server and waits until it answers `hub.status`.
    static func start(
        _ hub: TestHub, inFlight: (@Sendable () -> Int)? = nil,
        configure: (inout AdminSocketServer.Configuration) -> Void = { _ in }
    ) async throws -> RunningServer {
        var configuration = AdminSocketServer.Configuration(directory: hub.directory)
        configuration.pollInterval = .milliseconds(50)
        configure(&configuration)
        let server = AdminSocketServer(service: hub.service, configuration: configuration, inFlight: inFlight, logger: quietLogger)
        let task = Task { try await server.run() }
        let running = RunningServer(path: configuration.socketPath, task: task)
        for _ in 0..<500 {
            if AdminSocketProbe.accepts(at: running.path) { return running }
            try await Task.sleep(for: .milliseconds(10))
        }
        task.cancel()
        try await task.value   // surfaces why it did not start
        throw HubError(.unavailable, "the admin socket server did not start on \(running.path)")
    }

    /// Stops the server (closing every connection) and waits for it to finish.
    func stop() async throws {
        task.cancel()
        try await task.value
    }
}

/// Runs `body` with a fresh hub and a server on it; always stops the server and removes the hub.
func withServer<T>(
    mode: DeploymentMode = .enterprise, inFlight: (@Sendable () -> Int)? = nil,
    configure: (inout AdminSocketServer.Configuration) -> Void = { _ in },
    _ body: (TestHub, RunningServer) async throws -> T
) async throws -> T {
    let hub = try TestHub.create(mode: mode)
    defer { hub.remove() }
    let server = try await RunningServer.start(hub, inFlight: inFlight, configure: configure)
    do {
        let result = try await body(hub, server)
        try await server.stop()
        return result
    } catch {
        try? await server.stop()
        throw error
    }
}
