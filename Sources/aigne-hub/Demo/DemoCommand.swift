import ArgumentParser
import Foundation
import HubConsole
import HubAdmin
import HubCore
import HubDevTools
import HubGateway
import Logging

/// `aigne-hub demo`: a throwaway hub with a mock upstream, demo data and live traffic, and the
/// console open on it. Quitting the console stops everything and removes what the demo made.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Try the hub: demo providers on a built-in mock upstream, users, rates and live traffic, in the console.",
        discussion: """
            Everything lives in a new temporary data directory (service-provider mode) that is removed when \
            you quit the console with q (use --keep to keep it). Nothing leaves this machine: the providers \
            point at the built-in mock upstream on 127.0.0.1.
            """)

    @Option(name: .long, help: ArgumentHelp("A theme name or file (default, light, dark-256, solarized, high-contrast, mono).", valueName: "name|file"))
    var theme: String?

    @Option(name: .long, help: ArgumentHelp("The language: en or zh-TW (default: from the locale).", valueName: "lang"))
    var lang: String?

    @Flag(help: "Keep the demo's data directory after quitting (its path is printed).")
    var keep = false

    @Option(name: .long, help: ArgumentHelp("The hub's HTTP port on 127.0.0.1, for trying its API (default: any free port).",
                                            valueName: "port"))
    var port: Int?

    func run() async throws {
        let language = try Language.pick(lang)
        // The console owns the terminal: nothing may log to it.
        LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
        let logger = Logger(label: "aigne-hub.demo")
        let directory = DataDirectory(url: FileManager.default.temporaryDirectory
            .appendingPathComponent("aigne-hub-demo-\(UUID().uuidString.prefix(8))"))
        defer {
            if keep {
                print("Demo data kept in \(directory.path) (try: aigne-hub console --data-dir \(directory.path)).")
            } else {
                try? FileManager.default.removeItem(at: directory.url)
            }
        }
        let (store, sealer) = try HubStore.initialize(directory, mode: .serviceProvider)
        try HubLock.acquire(directory)
        let service = AdminService(store: store, sealer: sealer)

        var mockOptions = MockOptions()
        mockOptions.port = 0
        mockOptions.latencyMs = 60
        mockOptions.tokens = 48
        mockOptions.chunkDelayMs = 8
        let mock = MockUpstream(options: mockOptions)
        let mockStop = StopSwitch()
        let (mockTask, mockAddress) = try await Self.start { onListening in
            try await mock.run(logger: logger, alongside: [mockStop], onListening: onListening)
        }
        defer { mockStop.stop() }
        let callers = try await DemoSeed.seed(service, upstream: "http://\(mockAddress)")
        try await DemoSeed.receivePayments(WebhookIntake(store: store, sealer: sealer))

        var gatewayOptions = GatewayOptions()
        gatewayOptions.port = port ?? 0
        gatewayOptions.shutdownGrace = .seconds(2)
        let gateway = try await Gateway(directory: directory, options: gatewayOptions, logger: logger)
        let adminSocket = AdminSocketServer(service: gateway.adminService, inFlight: gateway.inFlight, logger: logger)
        let gatewayStop = StopSwitch()
        let (gatewayTask, gatewayAddress) = try await Self.start { onListening in
            try await GatewayServer.run(gateway: gateway, extraServices: [adminSocket, gatewayStop]) { onListening($0.api) }
        }
        defer { gatewayStop.stop() }
        let traffic = Task { await DemoTraffic(baseURL: "http://\(gatewayAddress)/v1", callers: callers).run() }
        defer { traffic.cancel() }

        let outcome: Result<Void, any Error>
        do {
            let socket = directory.adminSocketURL.path
            let deadline = ContinuousClock.now + .seconds(10)
            while await !AdminSocketProbe.answers(at: socket) {
                guard ContinuousClock.now < deadline else { throw HubError(.unavailable, "the demo hub's admin socket did not start") }
                try await Task.sleep(for: .milliseconds(50))
            }
            try await ConsoleApp.run(on: HubConnections.socket(socket),
                                     options: ConsoleOptions(theme: theme, language: language))
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        // Stop in order and wait for each part, so that nothing (the usage writer's last batch, the
        // budget resync) writes into the data directory after it is removed. The servers shut down
        // gracefully, as on SIGTERM (see `StopSwitch`).
        traffic.cancel()
        await traffic.value
        gatewayStop.stop()
        _ = try? await gatewayTask.value
        mockStop.stop()
        _ = try? await mockTask.value
        try outcome.get()
    }

    /// Starts a server in a task and waits until it reports the address it listens on.
    private static func start(
        _ server: @escaping @Sendable (@escaping @Sendable (String) -> Void) async throws -> Void
    ) async throws -> (Task<Void, any Error>, String) {
        let (addresses, continuation) = AsyncStream.makeStream(of: String.self)
        let task = Task {
            defer { continuation.finish() }
            try await server { address in continuation.yield(address) }
        }
        for await address in addresses { return (task, address) }
        try await task.value   // it stopped without listening: surface its error
        throw HubError(.unavailable, "a demo server stopped before it listened")
    }
}
