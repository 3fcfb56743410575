import ArgumentParser
import Foundation
import HubAdmin
import HubCore
import HubGateway
import HubPostgres
import Logging

/// `aigne-hub serve`: runs the gateway until SIGTERM/SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the hub: an OpenAI-compatible API with routing, failover, metering and credits.",
        discussion: """
            Endpoints: POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models, GET /healthz.
            Clients authenticate with `Authorization: Bearer <key>` (create keys with `aigne-hub admin keys create`); \
            the key is checked before the body is read.
            Prometheus metrics (GET /metrics) are served only on their own listener, and only when \
            --metrics-listen names one: they show credits charged and provider cost per model, which is \
            revenue and margin, so they are off unless the operator chooses an address (a loopback one, or a \
            private network their scraper reaches).
            "listening on" is printed once every listener is bound; an address in use ends the command at \
            once with one line naming it (exit code 2).
            Changes made with `aigne-hub admin` while the hub runs apply within a second. \
            SIGTERM drains in-flight requests and commits every usage event before exiting.
            """)

    @Option(name: .long, help: ArgumentHelp("The hub's data directory.", valueName: "dir")) var dataDir: String?
    @Option(name: .long, help: ArgumentHelp(
        "Serve as a node of the cluster on this PostgreSQL database: postgres://USER@HOST:PORT/DATABASE (or $AIGNE_HUB_DATABASE_URL). --data-dir is then this node's own directory (its secret.key, the cluster's, and its admin socket).",
        valueName: "url"))
    var database: String?
    @Option(name: .long, help: ArgumentHelp("A file whose first line is the PostgreSQL password (else the URL's, else $PGPASSWORD).", valueName: "file"))
    var passwordFile: String?
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port; the chosen one is printed).") var port = 8090
    @Option(help: ArgumentHelp("Serve GET /metrics on this address (off by default: the metrics show revenue).",
                               valueName: "host:port"))
    var metricsListen: String?
    @Option(help: "Largest request body accepted, in bytes.") var maxBodyBytes = 4 << 20
    @Option(help: "Largest non-streamed upstream answer accepted, in bytes (502 beyond).") var maxUpstreamBodyBytes = 16 << 20
    @Option(help: "Seconds a client may take to send a request's head.") var headerTimeout = 10.0
    @Option(help: "Seconds a client may take to send a request's body, once its head has arrived.") var bodyTimeout = 60.0
    @Option(help: "Seconds a keep-alive connection may stay without a request.") var idleTimeout = 75.0
    @Option(help: "Client connections open at once; beyond it new ones wait to be accepted.") var maxConnections = 4_096
    @Option(help: "Output tokens reserved for requests that set no max_tokens.") var defaultMaxTokens: Int64 = 4_096
    @Option(help: "Upstream attempts per request, failover included.") var maxAttempts = 3
    @Option(help: "Seconds of upstream silence before failing over (or failing).") var upstreamTimeout = 120.0
    @Option(help: "Seconds to keep reading a stream whose client went away, to bill its real usage.") var drainTimeout = 30.0
    @Option(help: "Seconds a stream waits for a client that stopped reading before it counts the client as gone.")
    var clientStallTimeout = 60.0
    @Option(help: "Seconds SIGTERM waits for in-flight requests and streams before it closes them.") var shutdownGrace = 60.0
    @Option(help: "Seconds between looks for usage events older than the retention setting (aigne-hub admin retention).")
    var pruneInterval = 60.0
    @Option(help: "Most usage events pruned per transaction (fewer when one would hold the database over 10 ms).")
    var pruneBatch = 1_000
    @Option(help: "Milliseconds of pause between two pruning transactions, for traffic to write in.") var prunePauseMs = 5.0
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "notice"
    @Option(help: ArgumentHelp("Also let members of this group (name or gid) administer the hub: the admin socket becomes 0660 and the data directory may be 0750.", valueName: "group"))
    var adminGroup: String?
    @Option(help: .hidden) var clockOffsetFile: String?

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        if let metricsListen, ListenAddress(metricsListen) == nil {
            throw ValidationError("--metrics-listen must be HOST:PORT (for example 127.0.0.1:9464), not '\(metricsListen)'")
        }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard maxBodyBytes >= 1, maxUpstreamBodyBytes >= 1 else { throw ValidationError("byte limits must be positive") }
        guard upstreamTimeout > 0, clientStallTimeout > 0, drainTimeout >= 0, shutdownGrace >= 0, headerTimeout > 0, bodyTimeout > 0, idleTimeout > 0 else {
            throw ValidationError("timeouts must be positive")
        }
        guard pruneInterval > 0, pruneBatch >= 1, prunePauseMs >= 0 else {
            throw ValidationError("--prune-interval and --prune-batch must be positive, --prune-pause-ms not negative")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
    }

    func run() async throws {
        let location = try DatabaseLocation.resolve(database: database, dataDir: dataDir, passwordFile: passwordFile)
        let directory = DataDirectory.resolve(explicit: dataDir)
        var policy = AdminPeerPolicy()
        if let adminGroup { policy.adminGroup = try PeerGroups.gid(named: adminGroup) }
        let onPostgres = if case .postgres = location { true } else { false }
        try await ServePreflight.check(directory, adminGroup: adminGroup != nil, postgres: onPostgres)
        var options = GatewayOptions()
        options.host = host
        options.port = port
        options.metricsListen = metricsListen.flatMap(ListenAddress.init)
        options.maxBodyBytes = maxBodyBytes
        options.maxUpstreamBodyBytes = maxUpstreamBodyBytes
        options.headerTimeout = Self.duration(headerTimeout)
        options.bodyTimeout = Self.duration(bodyTimeout)
        options.idleTimeout = Self.duration(idleTimeout)
        options.maxConnections = maxConnections
        options.defaultMaxTokens = defaultMaxTokens
        options.maxAttempts = maxAttempts
        options.readTimeout = Self.duration(upstreamTimeout)
        options.drainTimeout = Self.duration(drainTimeout)
        options.clientStallTimeout = Self.duration(clientStallTimeout)
        options.shutdownGrace = Self.duration(shutdownGrace)
        options.clockOffsetFile = clockOffsetFile
        options.pruneInterval = Self.duration(pruneInterval)
        options.pruneBatchSize = pruneBatch
        options.prunePause = Self.duration(prunePauseMs / 1_000)
        // Logs go to stderr: stdout carries only the "listening on" line.
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "aigne-hub")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
        let hub = try await OpenHub.open(location, nodeDirectory: directory)
        do {
            try await serve(hub, directory: directory, policy: policy, options: options, onPostgres: onPostgres, logger: logger)
            await hub.close()
        } catch {
            await hub.close()
            throw error
        }
    }

    private func serve(_ hub: OpenHub, directory: DataDirectory, policy: AdminPeerPolicy, options: GatewayOptions,
                       onPostgres: Bool, logger: Logger) async throws {
        let gateway = try await Gateway(service: hub.service, options: options, logger: logger)
        let adminSocket = AdminSocketServer(
            service: gateway.adminService, configuration: .init(directory: directory, policy: policy),
            inFlight: gateway.inFlight, logger: logger)
        do {
            try await GatewayServer.run(gateway: gateway, extraServices: [adminSocket],
                                        adminSocketPath: directory.adminSocketURL.path) { addresses in
                let metrics = addresses.metrics.map { " (metrics: http://\($0)/metrics)" } ?? ""
                let data = onPostgres ? "database: \(hub.databaseName), node \(gateway.nodeId.prefix(8))" : "data: \(directory.path)"
                let line = "aigne-hub: listening on http://\(addresses.api)\(metrics) (\(data))\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        } catch let error as ListenError {
            throw HubError(.unavailable, error.description)
        }
    }

    private static func duration(_ seconds: Double) -> Duration { .milliseconds(Int64(seconds * 1_000)) }
}
