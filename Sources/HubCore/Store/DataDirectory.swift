import Foundation

/// Where a hub keeps its state: `hub.sqlite`, `secret.key` and, while it runs, `admin.sock`.
///
/// Resolved from `--data-dir`, else `AIGNE_HUB_HOME`, else `$XDG_DATA_HOME/aigne-hub`, else
/// `~/.local/share/aigne-hub`. Nothing outside this directory is needed to move a hub.
public struct DataDirectory: Sendable, Hashable {
    public let url: URL

    public init(url: URL) { self.url = url.standardizedFileURL }

    public init(path: String) { self.init(url: URL(fileURLWithPath: path)) }

    /// Applies the resolution order above to an explicit choice and the process environment.
    public static func resolve(
        explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> DataDirectory {
        if let explicit, !explicit.isEmpty { return DataDirectory(path: explicit) }
        if let home = environment["AIGNE_HUB_HOME"], !home.isEmpty { return DataDirectory(path: home) }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            return DataDirectory(url: URL(fileURLWithPath: xdg).appendingPathComponent("aigne-hub"))
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return DataDirectory(url: URL(fileURLWithPath: home).appendingPathComponent(".local/share/aigne-hub"))
    }

    public var databaseURL: URL { url.appendingPathComponent("hub.sqlite") }
    public var secretKeyURL: URL { url.appendingPathComponent("secret.key") }
    public var adminSocketURL: URL { url.appendingPathComponent("admin.sock") }

    public var path: String { url.path }

    /// True when `init` has been run here.
    public var isInitialized: Bool { FileManager.default.fileExists(atPath: databaseURL.path) }

    /// Creates the directory with mode 0700 if it does not exist (its parents as usual), then
    /// checks it with ``checkPrivate(adminGroup:)``: an existing directory must already be private.
    public func create() throws(HubError) {
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw HubError(.storage, "cannot create data directory \(path): \(error.localizedDescription)")
        }
        if mkdir(path, 0o700) == 0 {
            chmod(path, 0o700)   // exactly, whatever the umask
        } else if errno != EEXIST {
            throw HubError(.storage, "cannot create data directory \(path): \(String(cString: strerror(errno)))")
        }
        try checkPrivate(adminGroup: false)
    }

    /// Refuses a data directory that is not this account's alone (see ``PrivatePath``): owned by
    /// the account running this process, closed to others, and to its group unless `adminGroup`.
    public func checkPrivate(adminGroup: Bool) throws(HubError) {
        try PrivatePath.check(path, is: .directory, what: "data directory", trust: .hub(adminGroup: adminGroup))
    }

    /// The files that hold the hub's data and key: mode 0600 always.
    var privateFiles: [String] {
        let database = databaseURL.path
        return [database, database + "-wal", database + "-shm", secretKeyURL.path]
    }
}
