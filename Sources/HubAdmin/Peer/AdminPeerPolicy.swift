import Foundation
import HubCore
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

extension PeerCredentials {
    /// Reads `SO_PEERCRED` of a connected Unix socket channel.
    static func of(_ channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(HubError(.internal, "the channel has no socket options"))
        }
        let future: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return future.map { PeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid) }
    }
}

/// Who may use the admin socket: root, the uid the hub runs as, and optionally the members of
/// one admin group. The socket file's mode (0600, or 0660 with an admin group) keeps others
/// out already; this check holds even if the file's mode or directory is loosened.
public struct AdminPeerPolicy: Sendable, Equatable {
    public var ownerUid: UInt32
    public var allowRoot: Bool
    /// Members of this group (primary or supplementary) are admitted too.
    public var adminGroup: UInt32?

    public init(ownerUid: UInt32 = getuid(), allowRoot: Bool = true, adminGroup: UInt32? = nil) {
        self.ownerUid = ownerUid
        self.allowRoot = allowRoot
        self.adminGroup = adminGroup
    }

    /// True when `peer` may administer the hub. `supplementaryGroups` reads the peer's groups
    /// (by default from `/proc/<pid>/status`).
    public func allows(_ peer: PeerCredentials, supplementaryGroups: (Int32) -> [UInt32] = PeerGroups.of) -> Bool {
        if peer.uid == ownerUid || (allowRoot && peer.uid == 0) { return true }
        guard let adminGroup else { return false }
        return peer.gid == adminGroup || supplementaryGroups(peer.pid).contains(adminGroup)
    }

    /// The refusal, naming who is allowed.
    public func refusal(of peer: PeerCredentials) -> HubError {
        var allowed = [AdminActor.userName(uid: ownerUid) + " (uid \(ownerUid))"]
        if allowRoot, ownerUid != 0 { allowed.append("root") }
        if let adminGroup { allowed.append("members of group \(PeerGroups.name(gid: adminGroup))") }
        return HubError(.permissionDenied,
                        "\(AdminActor.userName(uid: peer.uid)) (uid \(peer.uid)) may not administer this hub: only \(allowed.joined(separator: ", ")) may")
    }
}

/// Group look-ups for ``AdminPeerPolicy``.
public enum PeerGroups {
    /// The supplementary groups of process `pid` (empty if it is gone).
    public static func of(pid: Int32) -> [UInt32] {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Groups:") }) else { return [] }
        return line.dropFirst("Groups:".count).split(whereSeparator: \.isWhitespace).compactMap { UInt32($0) }
    }

    /// The gid of a group given by name or number.
    public static func gid(named name: String) throws(HubError) -> UInt32 {
        if let gid = UInt32(name) { return gid }
        guard let entry = getgrnam(name) else { throw HubError.notFound("unknown group '\(name)'") }
        return entry.pointee.gr_gid
    }

    static func name(gid: UInt32) -> String {
        guard let entry = getgrgid(gid), let name = entry.pointee.gr_name else { return "gid \(gid)" }
        return String(cString: name)
    }
}
