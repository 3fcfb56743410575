import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one rule that keeps a hub to its owner, for the data directory and for `admin.sock`: the
/// path is what it should be (a directory, a socket: never a symbolic link), it belongs to an
/// account that is trusted, and other users have no access to it. Group access is allowed only
/// where an admin group is meant to use the hub, and a directory is never writable by its group.
///
/// The hub checks its data directory before it uses it (``Trust/hub(adminGroup:)``); the CLI and
/// the console check the socket and its directory before they connect (``Trust/client(hubUser:)``),
/// and then the server's uid on the connected socket (``PeerCredentials``).
public enum PrivatePath {
    public enum Kind: Sendable {
        case directory, socket

        var name: String { self == .directory ? "a directory" : "a socket" }
        var privateMode: String { self == .directory ? "700" : "600" }
    }

    /// Whose paths are trusted, and whether their group may use them.
    public struct Trust: Sendable, Equatable {
        /// The accounts that may own the path; the first is the one named in messages.
        public var owners: [uid_t]
        /// Whether the group may read (directory: enter; socket: connect).
        public var groupAccess: Bool
        /// A hub checking its own files (the fixes are chmod and chown), or a client checking a
        /// hub's socket (the fix is to trust, or not use, another account's hub).
        var isClient: Bool

        /// A hub checking its own data directory: owned by the account it runs as, closed to
        /// everyone else unless an admin group is given.
        public static func hub(adminGroup: Bool) -> Trust {
            Trust(owners: [geteuid()], groupAccess: adminGroup, isClient: false)
        }

        /// The CLI or console about to use a hub's socket: made by this account, by root, or by the
        /// account named with `--hub-user`. The client cannot know whether the hub was started with
        /// an admin group, so group access is allowed (group write to a directory never is).
        public static func client(hubUser: uid_t? = nil) -> Trust {
            var owners = [geteuid()]
            if owners[0] != 0 { owners.append(0) }
            if let hubUser, !owners.contains(hubUser) { owners.append(hubUser) }
            return Trust(owners: owners, groupAccess: true, isClient: true)
        }

        /// The uids a server on a checked socket may run as (the same accounts).
        public func admits(uid: uid_t) -> Bool { owners.contains(uid) }
    }

    /// Checks `path` against `trust`. `what` names it in the refusal ("data directory",
    /// "admin socket"), which is one line saying what is wrong and how to fix it.
    public static func check(_ path: String, is kind: Kind, what: String, trust: Trust) throws(HubError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw HubError(.storage, "cannot inspect \(what) \(path): \(String(cString: strerror(errno)))")
        }
        let type = info.st_mode & S_IFMT
        guard type == (kind == .directory ? S_IFDIR : S_IFSOCK) else {
            let actual = type == S_IFLNK ? "a symbolic link" : "not \(kind.name)"
            throw HubError(.permissionDenied, "\(what) \(path) is \(actual): refusing to use it")
        }
        guard trust.owners.contains(info.st_uid) else {
            let names = trust.owners.map(account).joined(separator: " or ")
            let fix = trust.isClient
                ? "not using it (pass --hub-user \(AdminActor.userName(uid: info.st_uid)) if your hub runs as that account)"
                : "use a directory of your own, or `chown \(AdminActor.userName(uid: trust.owners[0])) \(path)`"
            throw HubError(.permissionDenied, "\(what) \(path) belongs to \(account(info.st_uid)), not to \(names): \(fix)")
        }
        let mode = info.st_mode & 0o777
        let octal = String(mode, radix: 8)
        if mode & 0o007 != 0 {
            throw HubError(.permissionDenied, "\(what) \(path) is open to other users (mode \(octal)): run `chmod \(kind.privateMode) \(path)`")
        }
        if kind == .directory, mode & 0o020 != 0 {
            throw HubError(.permissionDenied, "\(what) \(path) is writable by its group (mode \(octal)): run `chmod \(trust.groupAccess ? "750" : "700") \(path)`")
        }
        if !trust.groupAccess, mode & 0o070 != 0 {
            throw HubError(.permissionDenied, "\(what) \(path) is open to its group (mode \(octal)): run `chmod \(kind.privateMode) \(path)`, or start the hub with --admin-group GROUP to let that group administer it")
        }
    }

    /// `"nobody (uid 65534)"`.
    package static func account(_ uid: uid_t) -> String { "\(AdminActor.userName(uid: uid)) (uid \(uid))" }

    /// The uid of an account given by name or number.
    public static func uid(named name: String) throws(HubError) -> uid_t {
        if let uid = uid_t(name) { return uid }
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4_096)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else {
            throw HubError.notFound("unknown user account '\(name)'")
        }
        return entry.pw_uid
    }
}
