import Foundation
import HubCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Quick, synchronous checks of an admin socket with plain POSIX calls (no event loop needed),
/// used to choose between the socket and the database, and by a starting hub to tell a stale
/// socket file from a live one; and the one way a client connects to a socket it trusts.
public enum AdminSocketProbe {
    /// True when something accepts connections on the Unix socket at `path` (a live hub, or a
    /// hung one: either way the socket is not stale). Sends nothing.
    public static func accepts(at path: String) -> Bool {
        guard let fd = connected(to: path) else { return false }
        close(fd)
        return true
    }

    /// True when a hub that `trust` admits answers `hub.status` on `path` within `timeout`;
    /// false for anything else (no socket, no answer, an untrusted socket or server).
    public static func answers(at path: String, trust: PrivatePath.Trust = .client(), timeout: Duration = .seconds(2)) -> Bool {
        (try? answersIfTrusted(at: path, trust: trust, timeout: timeout)) ?? false
    }

    /// ``answers(at:trust:timeout:)`` from async code: the blocking probe runs on SwiftNIO's
    /// blocking-work pool, never on a Swift-concurrency thread (an in-process hub may need that
    /// thread to answer the probe).
    public static func answers(at path: String, trust: PrivatePath.Trust = .client(), timeout: Duration = .seconds(2)) async -> Bool {
        (try? await answersIfTrusted(at: path, trust: trust, timeout: timeout)) ?? false
    }

    /// ``answersIfTrusted(at:trust:timeout:)`` from async code, off the Swift-concurrency threads.
    public static func answersIfTrusted(at path: String, trust: PrivatePath.Trust, timeout: Duration = .seconds(2)) async throws(HubError) -> Bool {
        let outcome: Result<Bool, HubError>
        do {
            outcome = try await NIOThreadPool.singleton.runIfActive {
                Result { () throws(HubError) in try answersIfTrusted(at: path, trust: trust, timeout: timeout) }
            }
        } catch {
            throw HubError(.unavailable, "cannot probe the admin socket \(path): \(error)")
        }
        return try outcome.get()
    }

    /// Like ``answers(at:trust:timeout:)``, but a socket or server that `trust` does not admit is
    /// an error naming the problem, not just "no hub".
    public static func answersIfTrusted(at path: String, trust: PrivatePath.Trust, timeout: Duration = .seconds(2)) throws(HubError) -> Bool {
        let fd: Int32
        do throws(HubError) {
            fd = try connectTrusted(to: path, trust: trust)
        } catch {
            if error.code == .unavailable { return false }
            throw error
        }
        return answers(fd, timeout: timeout)
    }

    /// Connects to the admin socket at `path` only when it and its directory pass ``PrivatePath``
    /// for `trust`, and the server at the other end runs as an account `trust` admits
    /// (`SO_PEERCRED`). Nothing is sent before both checks pass: a secret never reaches a socket
    /// another user planted. Returns the connected descriptor (the caller closes it).
    ///
    /// Throws `unavailable` when no socket is there or nobody listens, `permissionDenied` when one
    /// is there but not trusted.
    public static func connectTrusted(to path: String, trust: PrivatePath.Trust) throws(HubError) -> Int32 {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw HubError(.unavailable, "no hub answers on \(path): \(String(cString: strerror(errno)))")
        }
        let directory = (path as NSString).deletingLastPathComponent
        try PrivatePath.check(directory.isEmpty ? "." : directory, is: .directory, what: "the admin socket's directory", trust: trust)
        try PrivatePath.check(path, is: .socket, what: "admin socket", trust: trust)
        guard let fd = connected(to: path) else {
            throw HubError(.unavailable, "no hub answers on \(path): \(String(cString: strerror(errno)))")
        }
        let peer: PeerCredentials
        do {
            peer = try PeerCredentials.of(socket: fd)
        } catch {
            close(fd)
            throw error
        }
        guard trust.admits(uid: peer.uid) else {
            close(fd)
            throw HubError(.permissionDenied, """
                the process listening on \(path) (pid \(peer.pid)) runs as \(PrivatePath.account(peer.uid)), \
                not as a hub you trust: nothing was sent to it
                """)
        }
        return fd
    }

    /// Sends `hub.status` on `fd` and waits up to `timeout` for a result. Closes `fd`.
    private static func answers(_ fd: Int32, timeout: Duration) -> Bool {
        defer { close(fd) }
        let request = Array("{\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"hub.status\"}\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            return false
        }
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !received.contains(UInt8(ascii: "\n")) {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return false }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let millis = Int32(clamping: left.components.seconds * 1_000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            guard poll(&poller, 1, millis) > 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return false }
            received += chunk[0..<count]
        }
        let line = Data(received.prefix { $0 != UInt8(ascii: "\n") })
        guard let message = try? RPCIncoming.parse(line) else { return false }
        return message.result != nil
    }

    /// A connected stream socket to `path`, or nil (no file, nobody listening, no permission).
    static func connected(to path: String) -> Int32? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        // A hung hub whose backlog is full would block connect forever: give up after 2 s.
        var limit = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let error = errno
            close(fd)
            errno = error
            return nil
        }
        var none = timeval(tv_sec: 0, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }
}
