import AsyncHTTPClient
import Foundation
import HubCore
import Logging
import NIOCore
import Synchronization

/// How `aigne-hub serve` behaves; every field has the default the command line shows.
public struct GatewayOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8090
    /// Where `/metrics` is served: its own listener, off (nil) unless the operator names one.
    public var metricsListen: ListenAddress?
    /// Largest client request body accepted (413 beyond).
    public var maxBodyBytes = 4 << 20
    /// Bytes of a streamed answer buffered for a client that reads slower than its upstream writes.
    public var streamBufferBytes = 64 << 10
    /// Largest non-streamed upstream answer accepted (502 beyond).
    public var maxUpstreamBodyBytes = 16 << 20
    /// From a request's first byte to the end of its head.
    public var headerTimeout: Duration = .seconds(10)
    /// From the end of a request's head to the end of its body.
    public var bodyTimeout: Duration = .seconds(60)
    /// How long a keep-alive connection may stay without a request.
    public var idleTimeout: Duration = .seconds(75)
    /// Client connections open at once; beyond it the hub stops accepting until one closes.
    public var maxConnections = 4_096
    /// Output tokens reserved when a request sets no `max_tokens`.
    public var defaultMaxTokens: Int64 = 4_096
    /// Upstream attempts per request, failover included.
    public var maxAttempts = 3
    public var connectTimeout: Duration = .seconds(5)
    /// Longest silence from an upstream (before its headers, or between chunks).
    public var readTimeout: Duration = .seconds(120)
    /// Longest a whole upstream call may take.
    public var upstreamDeadline: TimeAmount = .minutes(15)
    /// How long a streamed answer waits for a client that stopped reading before it counts the
    /// client as gone (the upstream is then drained to learn its usage, and the call settled).
    public var clientStallTimeout: Duration = .seconds(60)
    /// How long to keep reading an upstream stream after its client went away, to learn its usage.
    public var drainTimeout: Duration = .seconds(30)
    /// How often the database is checked for changes made by other processes.
    public var refreshInterval: Duration = .milliseconds(250)
    /// How long shutdown waits for in-flight requests.
    public var shutdownGrace: Duration = .seconds(60)
    /// A file holding seconds to add to the governance clock (tests of budget periods; hidden option).
    public var clockOffsetFile: String?
    /// How often the hub looks for usage events older than the retention setting; how many it
    /// deletes per transaction at most, and the pause between two such transactions (``UsagePruner``).
    public var pruneInterval: Duration = .seconds(60)
    public var pruneBatchSize = 1_000
    public var prunePause: Duration = .milliseconds(5)

    public init() {}

    var connectionTimeouts: ConnectionTimeouts {
        ConnectionTimeouts(header: headerTimeout, body: bodyTimeout, idle: idleTimeout)
    }
}

/// A `host:port` to listen on (`[::1]:9464` for IPv6).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; nil when it is not one.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The running hub's shared parts: configuration snapshot, credits, routing state, usage writer,
/// metrics and the upstream HTTP client. One per process; every request handler uses it.
public final class Gateway: Sendable {
    let options: GatewayOptions
    let store: HubStore
    let sealer: SecretSealer
    let config: ConfigHolder
    /// The newest ledger entry in the balances loaded at start-up (where the watcher resumes).
    let startLedgerId: Int64
    let credits = CreditBook()
    /// Key scopes, rate limits and budgets (issue 12).
    let governance: GovernanceGate
    let balancer = CredentialBalancer()
    let metrics = GatewayMetrics()
    let edge = EdgeCounters()
    let writer: UsageWriter
    /// Samples refused keys into at most one usage row a second.
    let refusals: RefusalSampler
    /// The upstream HTTP client, unless a test gave an in-memory upstream.
    let client: HTTPClient?
    /// How upstream calls are sent: `client` unless a test gives an in-memory upstream.
    let transport: any UpstreamTransport
    let logger: Logger
    private let inFlightCount = Atomic<Int>(0)
    private let graceOver = Atomic<Bool>(false)

    /// The shutdown grace has run out: streams whose client is gone stop draining their upstream and
    /// settle with the usage they have (partial), so that shutdown is not cut short by cancellation.
    var stopDraining: Bool { graceOver.load(ordering: .relaxed) }
    func endDraining() { graceOver.store(true, ordering: .relaxed) }

    /// Opens the SQLite hub in `directory` and loads its configuration and balances.
    public convenience init(directory: DataDirectory, options: GatewayOptions, logger: Logger) async throws {
        try await self.init(directory: directory, options: options, logger: logger, transport: nil)
    }

    convenience init(directory: DataDirectory, options: GatewayOptions, logger: Logger,
                     transport: (any UpstreamTransport)?) async throws {
        try await self.init(service: try await AdminService.open(directory), options: options, logger: logger, transport: transport)
    }

    /// Serves the hub `service` opens (SQLite, or a node of a PostgreSQL cluster).
    public convenience init(service: AdminService, options: GatewayOptions, logger: Logger) async throws {
        try await self.init(service: service, options: options, logger: logger, transport: nil)
    }

    /// `transport`: where upstream calls go (nil: AsyncHTTPClient over the network).
    init(service: AdminService, options: GatewayOptions, logger: Logger, transport: (any UpstreamTransport)?) async throws {
        store = service.store
        sealer = service.sealer
        self.options = options
        self.logger = logger
        let clock = GovernanceClock(offsetFile: options.clockOffsetFile)
        governance = GovernanceGate(clock: clock)
        let writer = UsageWriter(store: store, credits: credits, metrics: metrics, logger: logger, budgets: governance.budgets)
        self.writer = writer
        // Registering settles the holds that dead nodes (a previous run killed mid-request) left open:
        // before balances are loaded, before any request is served.
        let recovery = try await NodeRegistry.register(NodeRecord(
            id: writer.runId, host: ProcessInfo.processInfo.hostName, httpAddress: "\(options.host):\(options.port)",
            version: HubVersion.current, pid: Int(ProcessInfo.processInfo.processIdentifier), startedAt: Date(),
            heartbeatAt: Date()), store: store)
        if !recovery.settled.isEmpty {
            logger.notice("settled \(recovery.settled.count) holds that stopped nodes left open (usage_source = recovered)")
        }
        let initial: (snapshot: ConfigSnapshot, balances: [BalanceFeed.Update], ledgerId: Int64)
        do {
            initial = try await ConfigWatcher.initialState(store: store, sealer: sealer)
        } catch {
            try? await NodeRegistry.stopped(writer.runId, requests: 0, store: store)   // it never served
            throw error
        }
        config = ConfigHolder(initial.snapshot)
        startLedgerId = initial.ledgerId
        refusals = RefusalSampler { status, error in
            let record = Meter(requestId: RequestID.make(), started: .now).record(status: status, error: error)
            Task { await writer.submit(record) }
        }
        if let transport {
            client = nil
            self.transport = transport
        } else {
            var configuration = HTTPClient.Configuration()
            configuration.timeout = .init(connect: .init(options.connectTimeout), read: .init(options.readTimeout))
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1_024)
            configuration.decompression = .disabled
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            self.client = client
            self.transport = HTTPClientTransport(client: client, deadline: options.upstreamDeadline)
        }
        await credits.apply(initial.balances)
        try await GovernanceSync.configure(governance.budgets, snapshot: initial.snapshot, store: store, now: clock.now(), all: true)
    }

    /// Requests being served now (streams still draining included): for stats and shutdown.
    public var inFlight: @Sendable () -> Int {
        { [self] in inFlightCount.load(ordering: .relaxed) }
    }

    /// This node's id in the cluster (its `nodes` row, its holds' `run_id`, its calls' `node_id`).
    public var nodeId: String { writer.runId }

    /// The admin operations of this hub's database, for the admin socket server.
    public var adminService: AdminService { AdminService(store: store, sealer: sealer) }

    func began() { inFlightCount.add(1, ordering: .relaxed) }

    /// Hands the request's usage to the writer and counts it out.
    func finish(_ meter: Meter, status: Int, error: String?) async {
        var record = meter.record(status: status, error: error)
        record.hold = meter.reservation?.handOver()
        meter.permit?.finish(tokens: Int(clamping: record.event.tokensIn &+ record.event.tokensOut))
        await writer.submit(record, credentialId: meter.credentialId, credentialErrors: meter.credentialErrors)
        inFlightCount.subtract(1, ordering: .relaxed)
    }

    func shutdownClient() async {
        try? await client?.shutdown()
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        self = .nanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
