import Foundation
import HubAdmin
import HubCore

/// What `serve` and `admin-socket` check before they start anything, so that a hub that cannot
/// run says why in one line within seconds, instead of hanging or half-starting: the data
/// directory is this account's alone, no live hub holds its lock (``HubLock``, kept for the life of
/// the process) or its admin socket, the database is
/// neither corrupt, nor newer than this binary, nor locked, and the secret key is the right one.
enum ServePreflight {
    /// - Parameters:
    ///   - adminGroup: an admin group was given, so the directory may be open to its group.
    ///   - postgres: the hub is on PostgreSQL: `directory` is this node's own (its key, socket and lock),
    ///     and the database is checked when it is opened (schema current, same secret key).
    static func check(_ directory: DataDirectory, adminGroup: Bool, postgres: Bool = false) async throws(HubError) {
        guard postgres || directory.isInitialized else {
            throw HubError(.storage, "no hub in \(directory.path): run `aigne-hub init` first (or pass --data-dir)")
        }
        guard !postgres || FileManager.default.fileExists(atPath: directory.path) else {
            throw HubError(.storage, """
                no node directory \(directory.path): run `aigne-hub init --database URL --data-dir \(directory.path)` \
                (with the cluster's secret.key in it) first
                """)
        }
        try directory.checkPrivate(adminGroup: adminGroup)
        if AdminSocketProbe.accepts(at: directory.adminSocketURL.path) {
            throw HubError(.alreadyExists, """
                a hub is already running on \(directory.path) (its admin.sock answers): stop it first, or use another --data-dir
                """)
        }
        try HubLock.acquire(directory)
        if postgres { return }
        try HubStore.checkUsable(directory)
        _ = try await AdminService.open(directory)   // the secret key must open this hub's secrets
    }
}
