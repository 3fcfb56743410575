import Foundation
import HubCore
import Logging
import ServiceLifecycle

/// This node's place in the cluster: a heartbeat with its traffic every
/// ``NodeRegistry/heartbeatInterval``, which also settles the holds of nodes that fell silent; and
/// the `stopped` mark at shutdown, written after the usage writer committed its last batch (it is
/// listed before the writer in the service group, whose shutdown goes from the last service to the
/// first, each after the one behind it finished).
struct NodeHeartbeat: Service {
    let nodeId: String
    let store: HubStore
    let writer: UsageWriter
    let inFlight: @Sendable () -> Int
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let recovery = try await NodeRegistry.heartbeat(
                    nodeId, requests: Int64(await writer.committed), inFlight: inFlight(), store: store)
                if !recovery.deadNodes.isEmpty || !recovery.settled.isEmpty {
                    logger.warning("nodes taken for dead: \(recovery.deadNodes.joined(separator: ", ")); settled \(recovery.settled.count) holds they left (usage_source = recovered)")
                }
            } catch {
                logger.error("node heartbeat not written: \(error)")
            }
            try? await Task.sleep(for: NodeRegistry.heartbeatInterval)
        }
        // The group shuts services down last to first: the writer has committed its last batch.
        do {
            try await NodeRegistry.stopped(nodeId, requests: Int64(await writer.committed), store: store)
        } catch {
            logger.error("node not marked stopped: \(error)")
        }
    }
}
