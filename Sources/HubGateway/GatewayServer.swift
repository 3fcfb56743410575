import Hummingbird
import HubCore
import Logging
import ServiceLifecycle

/// `aigne-hub serve`: the gateway's services in one ServiceGroup, shut down gracefully on SIGTERM
/// or SIGINT in reverse order: the HTTP server stops accepting and finishes its requests, the
/// drain waits for streams still being read, then the config watcher stops and the usage writer
/// commits everything pending.
public enum GatewayServer {
    /// Runs until SIGTERM/SIGINT. `onListening` gets the bound address (`host:port`).
    public static func run(gateway: Gateway, extraServices: [any Service] = [],
                           onListening: @escaping @Sendable (String) -> Void) async throws {
        let options = gateway.options
        let app = Application(
            router: gateway.router(),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                onListening(channel.localAddress.map { "\($0.ipAddress ?? options.host):\($0.port ?? options.port)" } ?? "?")
            },
            logger: gateway.logger)
        let watcher = ConfigWatcher(
            store: gateway.store, sealer: gateway.sealer, config: gateway.config, credits: gateway.credits,
            balancer: gateway.balancer, interval: options.refreshInterval, logger: gateway.logger,
            startLedgerId: gateway.startLedgerId)
        let drain = InFlightDrain(inFlight: gateway.inFlight, grace: options.shutdownGrace, logger: gateway.logger)
        // Shutdown runs from the last service to the first.
        let services: [any Service] = [gateway.writer, watcher, drain] + gateway.billingServices + extraServices + [app]
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: gateway.logger))
        try await group.run()
        await gateway.shutdownClient()
    }
}

/// Waits, at shutdown, until no request is in flight (streams drained and metered), or the grace ends.
struct InFlightDrain: Service {
    let inFlight: @Sendable () -> Int
    let grace: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        let deadline = ContinuousClock.now + grace
        while inFlight() > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if inFlight() > 0 { logger.warning("shutting down with \(inFlight()) requests still in flight") }
    }
}
