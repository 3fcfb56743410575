import HubCore
/// Opens a ``HubConnection``: to a running hub's admin socket, or to its database directly.
public enum HubConnections {
    /// The admin socket when a hub answers on `admin.sock` in `dataDirectory`, else the database
    /// (the hub may be stopped); the same admin API either way. `surface` names the caller in the
    /// audit log when the database is used (`"alice (uid 1000) via cli"`); over the socket, the
    /// hub records the peer's uid itself.
    ///
    /// A socket that `trust` does not admit (another account's, in a directory others can reach,
    /// or served by another account) is an error, never a reason to fall back to the database.
    public static func open(
        dataDirectory: DataDirectory, surface: String, trust: PrivatePath.Trust = .client()
    ) async throws(HubError) -> any HubConnection {
        let socket = dataDirectory.adminSocketURL.path
        if try await AdminSocketProbe.answersIfTrusted(at: socket, trust: trust) { return SocketConnection(path: socket, trust: trust) }
        return try await database(dataDirectory, surface: surface)
    }

    /// The admin socket at `path`, whether or not a hub answers there yet (calls fail with
    /// `unavailable` while none does, and `permissionDenied` if `trust` does not admit it).
    public static func socket(_ path: String, trust: PrivatePath.Trust = .client()) -> SocketConnection {
        SocketConnection(path: path, trust: trust)
    }

    /// The database of the hub in `dataDirectory`, opened in-process.
    public static func database(_ dataDirectory: DataDirectory, surface: String) async throws(HubError) -> DatabaseConnection {
        try await DatabaseConnection.open(dataDirectory, surface: surface)
    }
}
