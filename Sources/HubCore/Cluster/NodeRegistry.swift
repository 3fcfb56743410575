import Foundation
import GRDB

/// The nodes serving from one database, and what happens to the holds of one that died.
///
/// Each node registers at start (``register(_:store:)``), then heartbeats every
/// ``heartbeatInterval`` (``heartbeat(_:requests:inFlight:store:)``). A heartbeat's transaction also
/// looks for nodes silent for longer than ``deadAfter``: it marks them stopped and settles the holds
/// they left (``HoldRecovery``), so a node killed with `kill -9` costs its clients no more than
/// their holds, charged once, within about ``deadAfter`` — whichever node notices first; the write
/// lock makes it exactly one. On SQLite, `hub.lock` lets one node run at a time, so every other
/// node is dead when one starts.
public enum NodeRegistry {
    public static let heartbeatInterval: Duration = .seconds(1)
    /// A node not heard from for this long is taken for dead.
    public static let deadAfter: Duration = .seconds(10)

    /// What a heartbeat (or a start) found and settled.
    public struct Recovery: Sendable, Equatable {
        /// Nodes taken for dead now.
        public var deadNodes: [String] = []
        /// Holds of dead nodes settled now.
        public var settled: [SettlementResult] = []
    }

    /// Registers a starting node and settles the holds of every node that is dead: on SQLite every
    /// other node (only one runs at a time), on PostgreSQL those silent for longer than ``deadAfter``.
    package static func register(_ node: NodeRecord, store: HubStore) async throws(HubError) -> Recovery {
        let everyOtherIsDead = store.kind == .sqlite
        return try await store.write { db in
            var node = node
            try node.insert(db)
            return try recover(db, by: node.id, now: node.startedAt, everyOtherIsDead: everyOtherIsDead)
        }
    }

    /// Records that `nodeId` is alive with its traffic, and recovers nodes that fell silent.
    package static func heartbeat(_ nodeId: String, requests: Int64, inFlight: Int, store: HubStore,
                                  now: Date = Date()) async throws(HubError) -> Recovery {
        try await store.write { db in
            try db.execute(sql: """
                UPDATE nodes SET heartbeat_at = ?, requests = ?, in_flight = ?, stopped_at = NULL, stop_reason = NULL
                WHERE id = ?
                """, arguments: [now, requests, inFlight, nodeId])
            return try recover(db, by: nodeId, now: now, everyOtherIsDead: false)
        }
    }

    /// Records where the node serves once its listener is bound (the port may have been 0: any free one).
    package static func listening(_ nodeId: String, httpAddress: String, store: HubStore) async throws(HubError) {
        try await store.write { db in
            try db.execute(sql: "UPDATE nodes SET http_address = ? WHERE id = ?", arguments: [httpAddress, nodeId])
        }
    }

    /// Marks a node stopped on a clean shutdown (after its last usage batch committed).
    package static func stopped(_ nodeId: String, requests: Int64, store: HubStore, now: Date = Date()) async throws(HubError) {
        try await store.write { db in
            try db.execute(sql: """
                UPDATE nodes SET stopped_at = ?, stop_reason = 'stopped', requests = ?, in_flight = 0, heartbeat_at = ?
                WHERE id = ?
                """, arguments: [now, requests, now, nodeId])
        }
    }

    /// Every node, running ones first, then the most recently started.
    package static func all(_ db: StoreDB) throws -> [NodeRecord] {
        try NodeRecord.fetchAll(db, sql: """
            SELECT * FROM nodes ORDER BY (CASE WHEN stopped_at IS NULL THEN 0 ELSE 1 END), started_at DESC, id
            """)
    }

    /// The running nodes and the `stoppedShown` latest stopped ones, with their calls in the minute before `now`.
    static func status(_ db: StoreDB, now: Date, stoppedShown: Int = 3) throws -> [NodeStatus] {
        var stopped = 0
        let nodes = try all(db).filter { node in
            guard node.stoppedAt != nil else { return true }
            stopped += 1
            return stopped <= stoppedShown
        }
        guard !nodes.isEmpty else { return [] }
        let rows = try Row.fetchAll(db, sql: """
            SELECT node_id, count(*) AS requests FROM usage_events WHERE created_at >= ? AND node_id IS NOT NULL GROUP BY node_id
            """, arguments: [now.addingTimeInterval(-60)])
        var recent: [String: Int] = [:]
        for row in rows { recent[row["node_id"]] = row["requests"] }
        return nodes.map { NodeStatus(node: $0, live: $0.isLive(at: now), requestsLastMinute: recent[$0.id] ?? 0) }
    }

    /// Marks the dead nodes stopped and settles the holds left by any run that is not a live node.
    private static func recover(_ db: StoreDB, by nodeId: String, now: Date, everyOtherIsDead: Bool) throws -> Recovery {
        let silentSince = now.addingTimeInterval(-deadAfter.seconds)
        let dead = try String.fetchAll(db, sql: """
            SELECT id FROM nodes WHERE stopped_at IS NULL AND id <> ? AND (? OR heartbeat_at < ?) ORDER BY id
            """, arguments: [nodeId, everyOtherIsDead, silentSince])
        for id in dead {
            try db.execute(sql: "UPDATE nodes SET stopped_at = ?, stop_reason = ? WHERE id = ?", arguments: [
                now, "taken for dead by node \(nodeId.prefix(8)): silent for over \(Int(deadAfter.seconds)) s", id,
            ])
        }
        let settled = try HoldRecovery.settleHolds(db, exceptRunsOf: liveNodeIds(db, including: nodeId))
        return Recovery(deadNodes: dead, settled: settled)
    }

    /// The ids of the nodes still running (not stopped), with `nodeId` among them.
    private static func liveNodeIds(_ db: StoreDB, including nodeId: String) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT id FROM nodes WHERE stopped_at IS NULL")).union([nodeId])
    }
}
