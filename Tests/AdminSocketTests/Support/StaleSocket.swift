import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Unix socket files made by hand, as a crashed hub would leave them.
enum StaleSocket {
    /// Binds a socket at `path` (mode 0600) and closes it without listening: the file stays, nobody answers.
    static func create(at path: String) throws {
        close(try bound(at: path))
    }

    /// Binds a socket at `path` with mode 0600, as a hub makes it, and returns it, not yet listening.
    static func bound(at path: String) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let error = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: error) ?? .EIO)
        }
        chmod(path, 0o600)
        return fd
    }
}
