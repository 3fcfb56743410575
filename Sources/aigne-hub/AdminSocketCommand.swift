import ArgumentParser
import Foundation
import HubAdmin
import HubCore
import HubGateway
import Logging
import ServiceLifecycle

/// `aigne-hub admin-socket`: serves only the admin socket of a hub (no HTTP gateway), until
/// SIGTERM or SIGINT. For tests and scripts; `serve` runs the same server inside the hub.
struct AdminSocketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin-socket",
        abstract: "Serve only the hub's admin socket (no HTTP gateway) until SIGTERM or SIGINT.",
        discussion: "The socket is admin.sock in the data directory, mode 0600 (0660 with --admin-group).")

    @Option(name: .long, help: ArgumentHelp("The hub's data directory.", valueName: "dir"))
    var dataDir: String?

    @Option(help: ArgumentHelp("Also admit members of this group (name or gid); the socket becomes 0660.", valueName: "group"))
    var adminGroup: String?

    func run() async throws {
        let directory = DataDirectory.resolve(explicit: dataDir)
        var policy = AdminPeerPolicy()
        if let adminGroup { policy.adminGroup = try PeerGroups.gid(named: adminGroup) }
        try await ServePreflight.check(directory, adminGroup: adminGroup != nil)
        let service = try await AdminService.open(directory)
        let logger = Logger(label: "aigne-hub.admin-socket")
        let server = AdminSocketServer(service: service, configuration: .init(directory: directory, policy: policy), logger: logger)
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
