import Foundation
import GRDB

/// One run of `aigne-hub serve` on this database: a node of the cluster (a SQLite hub is a
/// cluster of one). Its id is new at each start and is also the `run_id` of the holds it writes
/// and the `node_id` of the calls it serves.
public struct NodeRecord: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "nodes"
    public var id: String
    /// The machine's host name.
    public var host: String
    /// Where it serves the API (`host:port`).
    public var httpAddress: String
    public var version: String
    public var pid: Int
    public var startedAt: Date
    /// Written every ``NodeRegistry/heartbeatInterval`` while the node runs.
    public var heartbeatAt: Date
    /// Set when the node stopped cleanly, or when another node found it silent and took it for dead.
    public var stoppedAt: Date?
    public var stopReason: String?
    /// Requests served since it started, and in flight at its last heartbeat.
    public var requests: Int64
    public var inFlight: Int

    public init(id: String, host: String, httpAddress: String, version: String, pid: Int, startedAt: Date,
                heartbeatAt: Date, stoppedAt: Date? = nil, stopReason: String? = nil, requests: Int64 = 0,
                inFlight: Int = 0) {
        self.id = id; self.host = host; self.httpAddress = httpAddress; self.version = version; self.pid = pid
        self.startedAt = startedAt; self.heartbeatAt = heartbeatAt; self.stoppedAt = stoppedAt
        self.stopReason = stopReason; self.requests = requests; self.inFlight = inFlight
    }

    /// Running: not stopped, and heard from within `timeout` of `now`.
    public func isLive(at now: Date, timeout: Duration = NodeRegistry.deadAfter) -> Bool {
        stoppedAt == nil && now.timeIntervalSince(heartbeatAt) <= timeout.seconds
    }
}

extension Duration {
    /// The duration in seconds, with its fraction.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
