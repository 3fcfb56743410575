import Foundation
import HubCore

/// Where a hub's PostgreSQL database is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE]`.
///
/// The password comes from the URL, else a password file, else `PGPASSWORD`. It is never printed:
/// ``description``, `debugDescription`, `dump` and every error show the location without it.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `sslmode`, as libpq spells it. `allow` is refused (it is plain text first, TLS only if the
    /// server insists), and so is `verify-ca` (this client verifies the host name too: use `verify-full`).
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var sslMode: SSLMode
    /// Where the password came from, for messages ("from PGPASSWORD"); the password itself is ``password``.
    public var passwordSource: String?
    let secret: Password?

    /// The password, for the connection only.
    public var password: String? { secret?.value }

    /// Parses `text`. `passwordFile` (its first line) and `environment["PGPASSWORD"]` are asked, in
    /// that order, only when the URL holds no password. Errors never echo the URL (it may hold one).
    public init(parsing text: String, passwordFile: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(HubError) {
        guard let scheme = text.split(separator: ":", maxSplits: 1).first?.lowercased(),
              scheme == "postgres" || scheme == "postgresql" else {
            throw HubError.invalid("a PostgreSQL database is a URL postgres://USER@HOST:PORT/DATABASE")
        }
        guard let components = URLComponents(string: text) else {
            throw HubError.invalid("the PostgreSQL URL is malformed: use postgres://USER@HOST:PORT/DATABASE (percent-encode special characters)")
        }
        var host = components.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else {
            throw HubError.invalid("the PostgreSQL URL names no host: use postgres://USER@HOST:PORT/DATABASE (Unix-domain sockets are not supported yet)")
        }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw HubError.invalid("the PostgreSQL URL's port must be 1 to 65535") }
        guard let user = components.user?.removingPercentEncoding, !user.isEmpty else {
            throw HubError.invalid("the PostgreSQL URL names no user: use postgres://USER@HOST:PORT/DATABASE")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard let database = path.removingPercentEncoding, !database.isEmpty, !database.contains("/") else {
            throw HubError.invalid("the PostgreSQL URL names no database: use postgres://USER@HOST:PORT/DATABASE")
        }
        var sslMode = SSLMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                throw HubError.invalid("the PostgreSQL URL has a parameter '\(item.name)' aigne-hub does not use: only sslmode is understood")
            }
            guard let value = item.value, let mode = SSLMode(rawValue: value) else {
                throw HubError.invalid("sslmode '\(item.value ?? "")' is not supported: use \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")) (allow and verify-ca are not)")
            }
            sslMode = mode
        }
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.sslMode = sslMode
        if let password = components.password?.removingPercentEncoding {
            (secret, passwordSource) = (Password(value: password), "the URL")
        } else if let passwordFile {
            (secret, passwordSource) = (try Self.readPasswordFile(passwordFile), passwordFile)
        } else if let password = environment["PGPASSWORD"], !password.isEmpty {
            (secret, passwordSource) = (Password(value: password), "PGPASSWORD")
        } else {
            (secret, passwordSource) = (nil, nil)
        }
    }

    /// The location without its password: `postgres://USER@HOST:PORT/DATABASE?sslmode=MODE`.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(shownHost):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    public var debugDescription: String { "PostgresLocation(\(description), password: \(secret == nil ? "none" : "set"))" }

    public var customMirror: Mirror {
        Mirror(self, children: ["location": description, "password": secret == nil ? "none" : "set"], displayStyle: .struct)
    }

    private static func readPasswordFile(_ path: String) throws(HubError) -> Password {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HubError(.storage, "cannot read the password file \(path)")
        }
        let firstLine = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
        let password = firstLine.hasSuffix("\r") ? String(firstLine.dropLast()) : String(firstLine)
        guard !password.isEmpty else { throw HubError.invalid("the password file \(path) is empty") }
        return Password(value: password)
    }

    /// A password that no description, mirror or interpolation shows.
    struct Password: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        let value: String
        var description: String { "<redacted>" }
        var debugDescription: String { "<redacted>" }
        var customMirror: Mirror { Mirror(self, children: [:]) }
    }
}

/// Where a hub keeps its data: a SQLite data directory (the default) or a PostgreSQL database.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(DataDirectory)
    case postgres(PostgresLocation)

    /// The environment variable that names a PostgreSQL database when `--database` is not given.
    public static let environmentVariable = "AIGNE_HUB_DATABASE_URL"

    /// `--database URL`, else `$AIGNE_HUB_DATABASE_URL`, else the SQLite data directory (`--data-dir`,
    /// then its usual resolution). `--database` takes only a PostgreSQL URL: a SQLite hub is chosen
    /// with `--data-dir`.
    public static func resolve(
        database: String?, dataDir: String?, passwordFile: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(HubError) -> DatabaseLocation {
        let url = database ?? environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        guard let url else {
            if passwordFile != nil { throw HubError.invalid("--password-file is for a PostgreSQL database: give --database postgres://…") }
            return .sqlite(DataDirectory.resolve(explicit: dataDir, environment: environment))
        }
        let named = database != nil ? "--database" : environmentVariable
        guard url.lowercased().hasPrefix("postgres://") || url.lowercased().hasPrefix("postgresql://") else {
            throw HubError.invalid("\(named) takes a PostgreSQL URL postgres://USER@HOST:PORT/DATABASE; a SQLite hub is chosen with --data-dir")
        }
        return .postgres(try PostgresLocation(parsing: url, passwordFile: passwordFile, environment: environment))
    }

    public var description: String {
        switch self {
        case .sqlite(let directory): "SQLite in \(directory.path)"
        case .postgres(let location): "PostgreSQL at \(location)"
        }
    }
}
