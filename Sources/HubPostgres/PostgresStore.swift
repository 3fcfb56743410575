import Foundation
import HubCore
import Logging
import PostgresNIO

/// A hub's PostgreSQL database, reached through a pooled `PostgresClient`.
///
/// ``open(_:_:)`` first connects once, directly: a server that is down, a wrong password or a missing
/// database fail at once with the server's reason (a pool would retry for a minute and then report
/// only that it gave up). Every error is a ``HubError`` that names the location without its password.
public struct PostgresStore: Sendable {
    public let location: PostgresLocation
    let client: PostgresClient

    /// Runs `body` with the database open; the pool is shut down when it returns or throws.
    public static func open<T: Sendable>(
        _ location: PostgresLocation, _ body: (PostgresStore) async throws -> T
    ) async throws -> T {
        try await location.probe()
        let configuration = try location.clientConfiguration(maximumConnections: 4)
        let client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        let database = PostgresStore(location: location, client: client)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            do {
                return try await body(database)
            } catch {
                throw PostgresFailure.hubError(error, location, doing: "use")
            }
        }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    package func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: Self.quiet) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            // The closure's own error (a HubError naming what failed), else BEGIN's, COMMIT's or ROLLBACK's.
            throw error.closureError ?? error.commitError ?? error.beginError ?? error.rollbackError ?? error
        }
    }

    /// Runs `body` on a pooled connection, outside any transaction.
    package func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(connection) }
    }

    static let quiet = Logger(label: "aigne-hub.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
}

extension PostgresLocation {
    /// The TLS configuration `sslmode` asks for (nil: none). `prefer` and `require` encrypt without
    /// checking the certificate, as libpq does; `verify-full` checks the chain and the host name.
    func tlsConfiguration() throws(HubError) -> TLSConfiguration? {
        switch sslMode {
        case .disable:
            return nil
        case .prefer, .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return configuration
        case .verifyFull:
            return TLSConfiguration.makeClientConfiguration()
        }
    }
}

/// Errors from postgres-nio turned into one line that says what failed, with the server's own
/// message and SQLSTATE when there is one (postgres-nio hides them from `description` on purpose).
enum PostgresFailure {
    static func hubError(_ error: any Error, _ location: PostgresLocation, doing: String) -> HubError {
        if let error = error as? HubError { return error }
        guard let error = error as? PSQLError else {
            return HubError(.unavailable, "cannot \(doing) \(location): \(String(describing: error))")
        }
        if let info = error.serverInfo, let message = info[.message] {
            let state = info[.sqlState] ?? ""
            let detail = info[.detail].map { " (\($0))" } ?? ""
            let code: HubError.Code = state.hasPrefix("28") || state == "3D000" || state.hasPrefix("08") ? .unavailable : .storage
            return HubError(code, "PostgreSQL at \(location) refused: \(message)\(detail) [SQLSTATE \(state)]")
        }
        let underlying = error.underlying.map { ": \(String(describing: $0))" } ?? ""
        switch error.code {
        case .sslUnsupported:
            return HubError(.unavailable, "PostgreSQL at \(location) does not offer TLS, which sslmode=\(location.sslMode.rawValue) requires")
        case .authMechanismRequiresPassword:
            return HubError(.unavailable, "PostgreSQL at \(location) asks for a password: put it in the URL, a --password-file or PGPASSWORD")
        default:
            return HubError(.unavailable, "cannot \(doing) PostgreSQL at \(location) (\(error.code))\(underlying)")
        }
    }
}
