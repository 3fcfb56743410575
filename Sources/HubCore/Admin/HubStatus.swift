import Foundation
import GRDB

/// The version of this build, as `hub.status` and `--version` report it.
public enum HubVersion {
    public static let current = "0.1.0"
}

/// How many of each thing a hub holds.
public struct HubCounts: Codable, Sendable, Equatable {
    public var users: Int
    public var activeUsers: Int
    public var apiKeys: Int
    public var activeApiKeys: Int
    public var providers: Int
    public var enabledProviders: Int
    public var credentials: Int
    public var currentRates: Int
    public var usageEvents: Int
    public var ledgerEntries: Int
    public var auditEntries: Int
}

/// One node as `hub.status` shows it: its row, whether it runs, and its calls in the last minute.
public struct NodeStatus: Codable, Sendable, Equatable {
    public var node: NodeRecord
    /// Not stopped, and heard from within ``NodeRegistry/deadAfter``.
    public var live: Bool
    public var requestsLastMinute: Int
}

/// What `hub.status` answers. The live fields (`pid`, `started_at`, `uptime_seconds`,
/// `in_flight`, `subscribers`) come from a running hub's admin socket and are null when the
/// database was opened directly.
public struct HubStatusReport: Codable, Sendable, Equatable {
    /// True when a hub process is serving this data directory.
    public var running: Bool
    public var version: String
    public var mode: DeploymentMode
    public var dataDir: String
    public var pid: Int32?
    public var startedAt: Date?
    public var uptimeSeconds: Int?
    public var inFlight: Int?
    public var subscribers: Int?
    public var counts: HubCounts
    /// Where the hub keeps its state.
    public var database: StoreKind = .sqlite
    /// The nodes serving from this database: every running one, then the latest stopped ones.
    public var nodes: [NodeStatus] = []

    /// What the database says, with the live fields unknown.
    public static func stored(in store: HubStore, now: Date = Date()) async throws(HubError) -> HubStatusReport {
        let dataDir = store.directory.path
        return try await store.read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            let counts = HubCounts(
                users: try count("SELECT COUNT(*) FROM users"),
                activeUsers: try count("SELECT COUNT(*) FROM users WHERE status = 'active'"),
                apiKeys: try count("SELECT COUNT(*) FROM api_keys"),
                activeApiKeys: try count("SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL"),
                providers: try count("SELECT COUNT(*) FROM providers"),
                enabledProviders: try count("SELECT COUNT(*) FROM providers WHERE enabled"),
                credentials: try count("SELECT COUNT(*) FROM credentials"),
                currentRates: try count("SELECT COUNT(*) FROM model_rates WHERE valid_to IS NULL"),
                usageEvents: try count("SELECT COUNT(*) FROM usage_events"),
                ledgerEntries: try count("SELECT COUNT(*) FROM ledger"),
                auditEntries: try count("SELECT COUNT(*) FROM audit_log"))
            let mode = try String.fetchOne(db, sql: "SELECT mode FROM settings").flatMap(DeploymentMode.init(rawValue:))
            return HubStatusReport(
                running: false, version: HubVersion.current, mode: mode ?? .enterprise,
                dataDir: dataDir, counts: counts, database: db.kind, nodes: try NodeRegistry.status(db, now: now))
        }
    }
}
