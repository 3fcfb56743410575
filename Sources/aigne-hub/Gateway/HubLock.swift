import Foundation
import HubCore
#if canImport(Glibc)
import Glibc
#endif

/// The exclusive lock on `<data-dir>/hub.lock` (mode 0600) that a running hub holds for its whole
/// life, so that a second one on the same directory refuses to start: its start-up settles the
/// open holds of the hub that is running (HoldRecovery), which only a hub that has stopped may do.
/// The admin socket alone cannot tell: a draining hub closes it before it settles its last calls.
/// The kernel drops the lock when the process ends, however it ends.
enum HubLock {
    /// Takes the lock, or throws naming the process that holds it. The descriptor is left open on
    /// purpose: the lock lasts until the process exits.
    static func acquire(_ directory: DataDirectory) throws(HubError) {
        let path = directory.url.appendingPathComponent("hub.lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw HubError(.storage, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let reason = String(cString: strerror(errno))
            var bytes = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &bytes, bytes.count, 0)
            close(fd)
            guard busy else { throw HubError(.storage, "cannot lock \(path): \(reason)") }
            let pid = count > 0 ? Int(String(decoding: bytes[..<count], as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)) : nil
            throw HubError(.alreadyExists, "another hub is running on this data directory"
                           + (pid.map { " (pid \($0))" } ?? "") + ": stop it first, or use another --data-dir")
        }
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = pwrite(fd, pid, pid.count, 0) }
    }
}
