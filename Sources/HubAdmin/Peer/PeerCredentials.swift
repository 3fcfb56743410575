import Foundation
import HubCore
#if canImport(Glibc)
import Glibc
#endif

/// The credentials of the process at the other end of a Unix socket, as the kernel reports
/// them (`SO_PEERCRED`): they cannot be forged by the peer. For a client, they are the server's
/// as they were when it started listening; for a server, the client's when it connected.
///
/// The hub checks its clients with them (``AdminPeerPolicy`` in HubGateway); the CLI and the
/// console check the hub with them before they send anything (``SocketConnection``).
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// Layout of Linux's `struct ucred` (pid, uid, gid: three 32-bit integers).
    package struct UCred: Sendable {
        package var pid: Int32 = 0
        package var uid: UInt32 = 0
        package var gid: UInt32 = 0
        package init() {}
    }

    /// Reads `SO_PEERCRED` of a connected Unix socket.
    public static func of(socket fd: Int32) throws(HubError) -> PeerCredentials {
        var credentials = UCred()
        var length = socklen_t(MemoryLayout<UCred>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else {
            throw HubError(.internal, "cannot read the peer's credentials: \(String(cString: strerror(errno)))")
        }
        return PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
    }
}
