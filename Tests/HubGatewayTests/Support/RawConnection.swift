import Foundation
import HubTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection for tests that must control every byte and see exactly when the hub
/// answers or closes: half-sent bodies, slow heads, answers that come before the body is sent.
final class RawConnection {
    private var fd: Int32

    /// Connects to `url`'s host and port (`http://127.0.0.1:8090...`).
    /// `receiveBuffer`: bytes the kernel keeps unread for this socket (small: a client that stops reading
    /// holds little in flight).
    init(_ url: String, receiveBuffer: Int32? = nil) throws {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port else {
            throw TestFailure("not a URL with a port: \(url)")
        }
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw TestFailure("cannot connect to \(url): errno \(errno)")
        }
    }

    deinit { close() }

    /// Closes the connection (once).
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends everything (blocking); false when the peer has closed or reset the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    enum Read: Equatable {
        case data(String)
        /// The peer closed (or reset) the connection.
        case closed
        /// Nothing arrived before the deadline.
        case timedOut
    }

    /// Waits up to `seconds` for bytes or for the close.
    func read(within seconds: Double) -> Read {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, Int32(seconds * 1_000))
        guard ready > 0 else { return .timedOut }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n <= 0 ? .closed : .data(String(decoding: buffer[..<n], as: UTF8.self))
    }

    /// Reads until the peer closes, up to `seconds`; true if it did close.
    func waitForClose(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            switch read(within: deadline.timeIntervalSinceNow) {
            case .closed: return true
            case .timedOut: return false
            case .data: continue
            }
        }
        return false
    }
}
