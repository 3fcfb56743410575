import HubCore
import Logging
import PostgresNIO

/// How aigne-hub connects to a ``PostgresLocation``: the same TLS, credentials and session settings
/// for a single connection (a probe, the change listener) and for a pool (``PostgresBackend``,
/// ``PostgresStore``).
extension PostgresLocation {
    /// Settings every session starts with. `TimeZone` is UTC so that a time bound as text
    /// without a zone (`2026-01-02 03:04:05.678`, as GRDB writes a `Date`) means UTC, and so that
    /// `now()::text` and friends read the same on every node whatever the server's default.
    static let sessionParameters: [(String, String)] = [("TimeZone", "UTC"), ("application_name", "aigne-hub")]

    /// A single connection's configuration (not pooled).
    func connectionConfiguration(connectTimeout: TimeAmount = .seconds(10)) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = try tlsConfiguration().map {
            sslMode == .require || sslMode == .verifyFull
                ? .require(try NIOSSLContext(configuration: $0)) : .prefer(try NIOSSLContext(configuration: $0))
        } ?? .disable
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = connectTimeout
        configuration.options.additionalStartupParameters = Self.sessionParameters
        return configuration
    }

    /// A pool's configuration: at most `maximumConnections` open at once; `settings` are added to
    /// ``sessionParameters`` for each of its sessions.
    func clientConfiguration(maximumConnections: Int, settings: [(String, String)] = []) throws(HubError) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = try tlsConfiguration().map {
            sslMode == .require || sslMode == .verifyFull ? .require($0) : .prefer($0)
        } ?? .disable
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.additionalStartupParameters = Self.sessionParameters + settings
        return configuration
    }

    /// Connects once and closes again: a server that is down, a wrong password or a missing
    /// database fail at once with the server's reason (a pool retries for a minute, then reports
    /// only that it gave up).
    func probe() async throws(HubError) {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try connectionConfiguration(), id: 0, logger: PostgresStore.quiet)
            try await connection.close()
        } catch {
            throw PostgresFailure.hubError(error, self, doing: "connect to")
        }
    }
}
