import ArgumentParser
import Foundation
import HubAdmin
import HubCore
import HubPostgres

/// Options every admin verb takes: where the hub is, and how to print.
struct HubOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The hub's data directory.", valueName: "dir"))
    var dataDir: String?

    @Option(name: .long, help: ArgumentHelp(
        "Talk to a running hub through this admin socket (default: the data directory's admin.sock if a hub answers there).",
        valueName: "path"))
    var socket: String?

    @Option(name: .customLong("db"), help: ArgumentHelp(
        "Open this hub database directly (hub.sqlite or its directory), whether or not the hub runs.", valueName: "path"))
    var database: String?

    @Option(name: .customLong("database"), help: ArgumentHelp(
        "Work on a cluster's PostgreSQL database directly: postgres://USER@HOST:PORT/DATABASE (default: $AIGNE_HUB_DATABASE_URL when no hub answers on the data directory's socket). The secret key comes from --data-dir.",
        valueName: "url"))
    var postgresURL: String?

    @Option(name: .long, help: ArgumentHelp(
        "A file whose first line is the PostgreSQL password (else the URL's, else $PGPASSWORD).", valueName: "file"))
    var passwordFile: String?

    @Option(name: .long, help: ArgumentHelp(
        "The account a hub runs as when it is not you or root (a hub started with --admin-group): its socket is trusted too.",
        valueName: "user"))
    var hubUser: String?

    @Flag(name: .long, help: "Print the result as JSON (field names as in the schema).")
    var json = false

    var directory: DataDirectory { DataDirectory.resolve(explicit: dataDir) }

    /// Whose admin socket this command talks to: yours, root's, or `--hub-user`'s.
    func trust() throws(HubError) -> PrivatePath.Trust {
        .client(hubUser: try hubUser.map { name throws(HubError) in try PrivatePath.uid(named: name) })
    }

    /// The hub: `--socket`, else `--db`, else `--database`, else the data directory's socket when a
    /// hub answers on it, else `$AIGNE_HUB_DATABASE_URL`'s PostgreSQL database, else the data
    /// directory's database. `surface` names the caller in the audit log for direct database use.
    func connect(surface: String = "cli") async throws(HubError) -> any HubConnection {
        switch (socket, database, postgresURL) {
        case (let socket?, nil, nil):
            return HubConnections.socket(socket, trust: try trust())
        case (nil, let database?, nil):
            return try await HubConnections.database(try Self.dataDirectory(ofDatabase: database), surface: surface)
        case (nil, nil, let url?):
            return try await OpenHub.open(try location(url), nodeDirectory: directory).connection(surface: surface)
        case (nil, nil, nil):
            let socket = directory.adminSocketURL.path
            if try await AdminSocketProbe.answersIfTrusted(at: socket, trust: try trust()) {
                return HubConnections.socket(socket, trust: try trust())
            }
            return try await OpenHub.open(try location(nil), nodeDirectory: directory).connection(surface: surface)
        default:
            throw HubError.invalid("give one of --socket, --db and --database")
        }
    }

    /// `--database` (or `$AIGNE_HUB_DATABASE_URL`), else the data directory's SQLite hub.
    func location(_ url: String?) throws(HubError) -> DatabaseLocation {
        try DatabaseLocation.resolve(database: url, dataDir: dataDir, passwordFile: passwordFile)
    }

    /// `--db` names hub.sqlite or the directory holding it (its secret key lives beside it).
    static func dataDirectory(ofDatabase path: String) throws(HubError) -> DataDirectory {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw HubError(.storage, "no hub database at \(path)")
        }
        if isDirectory.boolValue { return DataDirectory(path: path) }
        let url = URL(fileURLWithPath: path)
        let directory = DataDirectory(url: url.deletingLastPathComponent())
        guard url.standardizedFileURL == directory.databaseURL else {
            throw HubError.invalid("--db takes a hub's \(directory.databaseURL.lastPathComponent) or its data directory, not \(path)")
        }
        return directory
    }

    /// Runs `method` on the hub and prints its result: JSON with `--json`, else `render`'s text.
    func run<M: AdminMethod>(_ method: M, render: (M.Result) -> String) async throws {
        let result = try await connect().call(method)
        if json {
            let data = try HubJSON.encoder(pretty: true).encode(result)
            print(SafeText.json(String(decoding: data, as: UTF8.self)))
        } else {
            let text = render(result)
            if !text.isEmpty { print(SafeText.escape(text, keepNewlines: true)) }
        }
    }
}

// MARK: - Argument types: parse errors name the value and say what is expected, on one line.

enum Parse {
    static func amount(_ text: String) throws(HubError) -> Amount { try Amount(parsing: text) }
    static func mode(_ text: String) throws(HubError) -> DeploymentMode { try DeploymentMode(parsing: text) }
    static func unit(_ text: String) throws(HubError) -> PriceUnit { try PriceUnit(parsing: text) }

    static func choice<T: RawRepresentable & CaseIterable>(_ text: String, _ what: String) throws(HubError) -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text.lowercased()) else {
            throw HubError.invalid("unknown \(what) '\(text)': use \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// `24h`, `7d`, `30m`, `2026-11-01`, or an ISO-8601 time; relative ones count back from now.
    static func time(_ text: String) throws(HubError) -> Date {
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]
        if let unit = text.last.flatMap({ units[$0] }), let count = Double(text.dropLast()), count >= 0 {
            return Date().addingTimeInterval(-count * unit)
        }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let day = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return day }
        throw HubError.invalid("'\(text)' is not a time: use 24h, 7d, 2026-11-01 or 2026-11-01T09:00:00Z")
    }
}
