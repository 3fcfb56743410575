import ArgumentParser
import Foundation
import HubCore
import HubGateway
import Logging

/// `aigne-hub serve`: runs the gateway until SIGTERM/SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the hub: an OpenAI-compatible API with routing, failover, metering and credits.",
        discussion: """
            Endpoints: POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models, GET /healthz, GET /metrics.
            Clients authenticate with `Authorization: Bearer <key>` (create keys with `aigne-hub admin keys create`).
            Changes made with `aigne-hub admin` while the hub runs apply within a second. \
            SIGTERM drains in-flight requests and commits every usage event before exiting.
            """)

    @Option(name: .long, help: ArgumentHelp("The hub's data directory.", valueName: "dir")) var dataDir: String?
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port; the chosen one is printed).") var port = 8090
    @Option(help: "Largest request body accepted, in bytes.") var maxBodyBytes = 4 << 20
    @Option(help: "Output tokens reserved for requests that set no max_tokens.") var defaultMaxTokens: Int64 = 4_096
    @Option(help: "Upstream attempts per request, failover included.") var maxAttempts = 3
    @Option(help: "Seconds of upstream silence before failing over (or failing).") var upstreamTimeout = 120.0
    @Option(help: "Seconds to keep reading a stream whose client went away, to bill its real usage.") var drainTimeout = 30.0
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "notice"
    @Option(help: ArgumentHelp("Also let members of this group (name or gid) administer the hub: the admin socket becomes 0660 and the data directory may be 0750.", valueName: "group"))
    var adminGroup: String?

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        guard upstreamTimeout > 0, drainTimeout >= 0 else { throw ValidationError("timeouts must be positive") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
    }

    func run() async throws {
        let directory = DataDirectory.resolve(explicit: dataDir)
        var policy = AdminPeerPolicy()
        if let adminGroup { policy.adminGroup = try PeerGroups.gid(named: adminGroup) }
        try ServePreflight.check(directory, adminGroup: adminGroup != nil)
        var options = GatewayOptions()
        options.host = host
        options.port = port
        options.maxBodyBytes = maxBodyBytes
        options.defaultMaxTokens = defaultMaxTokens
        options.maxAttempts = maxAttempts
        options.readTimeout = .milliseconds(Int64(upstreamTimeout * 1_000))
        options.drainTimeout = .milliseconds(Int64(drainTimeout * 1_000))
        // Logs go to stderr: stdout carries only the "listening on" line.
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "aigne-hub")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
        let gateway = try await Gateway(directory: directory, options: options, logger: logger)
        let adminSocket = AdminSocketServer(
            service: gateway.adminService, configuration: .init(directory: directory, policy: policy),
            inFlight: gateway.inFlight, logger: logger)
        try await GatewayServer.run(gateway: gateway, extraServices: [adminSocket]) { address in
            FileHandle.standardOutput.write(Data(("aigne-hub: listening on http://\(address) (data: \(directory.path))" + "\n").utf8))
        }
    }
}
