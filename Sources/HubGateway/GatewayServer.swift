import Foundation
import Hummingbird
import HummingbirdCore
import HubAdmin
import HubCore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Where a running hub listens, once every listener is bound.
public struct ListeningAddresses: Sendable {
    /// The API (`host:port`).
    public var api: String
    /// The metrics listener, if one is configured.
    public var metrics: String?
}

/// A listener that could not be bound: the one line `serve` prints before it exits.
public struct ListenError: Error, CustomStringConvertible {
    public var listener: String
    public var address: String
    public var cause: String

    public var description: String { "cannot listen on \(address) for the \(listener): \(cause)" }
}

/// `aigne-hub serve`: the gateway's services in one ServiceGroup, shut down gracefully on SIGTERM
/// or SIGINT in reverse order: the HTTP server stops accepting and finishes its requests, the
/// drain waits for streams still being read, then the config watcher stops and the usage writer
/// commits everything pending. A listener that cannot bind shuts the group down the same way and
/// `run` throws a ``ListenError``.
public enum GatewayServer {
    /// Runs until SIGTERM/SIGINT. `onListening` is called once, after every listener is bound: the
    /// API, the metrics listener if any, and the admin socket at `adminSocketPath` if given (one of
    /// `extraServices` binds it; it counts as bound once it accepts a connection).
    public static func run(gateway: Gateway, extraServices: [any Service] = [], adminSocketPath: String? = nil,
                           onListening: @escaping @Sendable (ListeningAddresses) -> Void) async throws {
        let options = gateway.options
        let expecting = 1 + (options.metricsListen == nil ? 0 : 1) + (adminSocketPath == nil ? 0 : 1)
        let (nodeId, store) = (gateway.nodeId, gateway.store)
        let readiness = ListenerReadiness(expecting: expecting) { addresses in
            Task { try? await NodeRegistry.listening(nodeId, httpAddress: addresses.api, store: store) }
            onListening(addresses)
        }
        let apiListener = ListenerService(name: "API", address: ListenAddress(host: options.host, port: options.port).description,
                                  application: gateway.apiApplication(onServerRunning: { readiness.bound(api: $0) }))
        var listeners: [any Service] = [apiListener]
        if let address = options.metricsListen {
            let app = Application(
                router: gateway.metricsRouter(),
                configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
                onServerRunning: { readiness.bound(metrics: boundAddress($0, fallback: address)) },
                logger: gateway.logger)
            listeners.append(ListenerService(name: "metrics listener", address: address.description, application: app))
        }
        let watcher = ConfigWatcher(
            store: gateway.store, sealer: gateway.sealer, config: gateway.config, credits: gateway.credits,
            balancer: gateway.balancer, interval: options.refreshInterval, logger: gateway.logger,
            startLedgerId: gateway.startLedgerId)
        let drain = InFlightDrain(inFlight: gateway.inFlight, grace: options.shutdownGrace, logger: gateway.logger,
                                  graceOver: { [gateway] in gateway.endDraining() })
        // Shutdown runs from the last service to the first; any of them ending ends the group gracefully.
        if let adminSocketPath { listeners.append(AdminSocketReadiness(path: adminSocketPath) { readiness.bound(adminSocket: $0) }) }
        // The extra services (the admin socket) come first so that they close last: while the hub
        // drains and its writer settles, its admin socket still answers.
        let governance = GovernanceSync(gateway: gateway, interval: options.refreshInterval)
        let pruner = UsagePruner(store: gateway.store, options: options, logger: gateway.logger)
        let heartbeat = NodeHeartbeat(nodeId: gateway.nodeId, store: gateway.store, writer: gateway.writer,
                                      inFlight: gateway.inFlight, logger: gateway.logger)
        // The heartbeat comes before the writer: it marks the node stopped after the last batch committed.
        let services: [any Service] = extraServices + [heartbeat, gateway.writer, watcher, governance, drain, pruner]
            + gateway.billingServices + listeners
        var configuration = ServiceGroupConfiguration(
            services: services.map {
                .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: gateway.logger)
        // SIGTERM always ends the hub: a client that never reads its stream cannot hold it past the
        // grace; after it, what is left is cancelled (its connections closed, its usage still metered).
        configuration.maximumGracefulShutdownDuration = options.shutdownGrace + .seconds(5)
        configuration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        do {
            try await group.run()
        } catch {
            await gateway.shutdownClient()
            throw error
        }
        await gateway.shutdownClient()
    }

    static func boundAddress(_ channel: any Channel, fallback: ListenAddress) -> String {
        channel.localAddress.map { "\($0.ipAddress ?? fallback.host):\($0.port ?? fallback.port)" } ?? fallback.description
    }
}

extension Gateway {
    /// The API's HTTP server: the router behind per-connection deadlines and a connection cap.
    /// `services` run with it (tests pass the usage writer; `serve` runs them in its own group).
    func apiApplication(services: [any Service] = [], onServerRunning: @escaping @Sendable (String) -> Void)
        -> Application<RouterResponder<GatewayRequestContext>> {
        let timeouts = options.connectionTimeouts
        let edge = self.edge
        let address = ListenAddress(host: options.host, port: options.port)
        return Application(
            router: router(),
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionDeadlines(timeouts: timeouts, counters: edge)])),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil,
                                 availableConnectionsDelegate: HummingbirdCore.MaximumAvailableConnections(options.maxConnections, logger: logger)),
            services: services,
            onServerRunning: { onServerRunning(GatewayServer.boundAddress($0, fallback: address)) },
            logger: logger)
    }
}

/// Calls `onReady` once every expected listener has reported its bound address.
final class ListenerReadiness: Sendable {
    private struct State {
        var api: String?
        var metrics: String?
        var reported = 0
        var done = false
    }

    private let state = Mutex(State())
    private let expecting: Int
    private let onReady: @Sendable (ListeningAddresses) -> Void

    init(expecting: Int, onReady: @escaping @Sendable (ListeningAddresses) -> Void) {
        self.expecting = expecting
        self.onReady = onReady
    }

    func bound(api address: String) { report { $0.api = address } }
    func bound(metrics address: String) { report { $0.metrics = address } }
    func bound(adminSocket path: String) { report { _ in } }

    private func report(_ change: (inout State) -> Void) {
        let ready: ListeningAddresses? = state.withLock { state in
            change(&state)
            state.reported += 1
            guard state.reported == expecting, !state.done, let api = state.api else { return nil }
            state.done = true
            return ListeningAddresses(api: api, metrics: state.metrics)
        }
        if let ready { onReady(ready) }
    }
}

/// Runs one HTTP listener and names it in the error when it cannot bind.
struct ListenerService: Service {
    let name: String
    let address: String
    let application: any Service

    func run() async throws {
        do {
            try await application.run()
        } catch let error as IOError {
            throw ListenError(listener: name, address: address, cause: String(cString: strerror(error.errnoCode)).lowercased())
        }
    }
}

/// Reports the admin socket bound once it accepts a connection (``AdminSocketServer`` binds it in
/// its own service; a stale socket file refuses connections until then). Then waits for shutdown.
struct AdminSocketReadiness: Service {
    let path: String
    let onBound: @Sendable (String) -> Void

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if AdminSocketProbe.accepts(at: path) {
                onBound(path)
                break
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        try? await gracefulShutdown()
    }
}

/// Waits, at shutdown, until no request is in flight (streams drained and metered), or the grace ends.
struct InFlightDrain: Service {
    let inFlight: @Sendable () -> Int
    let grace: Duration
    let logger: Logger
    /// Called when the grace ends with requests still in flight (or the wait is cancelled).
    var graceOver: @Sendable () -> Void = {}

    func run() async throws {
        try? await gracefulShutdown()
        let deadline = ContinuousClock.now + grace
        // Cancelled (the group's shutdown ran out of time): stop at once, since every sleep would end at once too.
        while inFlight() > 0 && ContinuousClock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if inFlight() > 0 {
            // Streams still draining for a client that is gone stop at their next upstream read and
            // settle what they have: a short wait lets their records reach the writer before it stops.
            graceOver()
            let settleDeadline = ContinuousClock.now + .seconds(2)
            while inFlight() > 0 && ContinuousClock.now < settleDeadline && !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        if inFlight() > 0 { logger.warning("shutting down with \(inFlight()) requests still in flight") }
    }
}
