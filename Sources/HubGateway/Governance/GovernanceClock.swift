import Foundation
import Synchronization

/// The time of governance (budget periods, key expiry) and of usage events. The system clock,
/// plus an offset read from a file when the hub is started with `--clock-offset-file` (hidden: for
/// tests that cross a period boundary without waiting for one). The file holds seconds, e.g.
/// `86400` or `-3.5`; the watcher re-reads it on every poll.
final class GovernanceClock: Sendable {
    let offsetFile: String?
    private let offsetMilliseconds = Atomic<Int64>(0)

    init(offsetFile: String? = nil) {
        self.offsetFile = offsetFile
        refresh()
    }

    func now() -> Date { Date().addingTimeInterval(Double(offsetMilliseconds.load(ordering: .relaxed)) / 1_000) }

    /// Re-reads the offset file (a missing or unreadable file leaves the offset as it was).
    func refresh() {
        guard let offsetFile, let text = try? String(contentsOfFile: offsetFile, encoding: .utf8),
              let seconds = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), seconds.isFinite else { return }
        offsetMilliseconds.store(Int64(seconds * 1_000), ordering: .relaxed)
    }
}
