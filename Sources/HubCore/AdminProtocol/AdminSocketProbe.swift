import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Quick, synchronous checks of an admin socket with plain POSIX calls (no event loop needed),
/// used to choose between the socket and the database, and by a starting hub to tell a stale
/// socket file from a live one.
public enum AdminSocketProbe {
    /// True when something accepts connections on the Unix socket at `path` (a live hub, or a
    /// hung one: either way the socket is not stale).
    public static func accepts(at path: String) -> Bool {
        guard let fd = connected(to: path) else { return false }
        close(fd)
        return true
    }

    /// True when a hub answers `hub.status` on `path` within `timeout`.
    public static func answers(at path: String, timeout: Duration = .seconds(2)) -> Bool {
        guard let fd = connected(to: path) else { return false }
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
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            close(fd)
            return nil
        }
        return fd
    }
}
