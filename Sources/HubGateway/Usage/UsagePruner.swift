import Foundation
import HubCore
import Logging
import ServiceLifecycle

/// Prunes raw usage events older than the retention setting (`retention.set`), beside the usage
/// writer: every `interval` it deletes the old events in batches of `batchSize`, each its own short
/// transaction, pausing `pause` between batches so that the writer's group commits slip in, then
/// hands the freed pages back to the file system (incremental vacuum) in steps the same way
/// (see ``GatewayOptions`` for the defaults).
///
/// Rollups are untouched (they are kept by insert triggers), so reports answer as before.
struct UsagePruner: Service {
    /// How long one pruning transaction (or vacuum step) should hold the write lock.
    static let budget: Duration = .milliseconds(10)
    static let smallestBatch = 20
    /// Pages returned to the file system per vacuum step: adapted like batches, within these bounds.
    static let vacuumPages = 8...2_048

    let store: HubStore
    let interval: Duration
    let batchSize: Int
    let pause: Duration
    let logger: Logger

    init(store: HubStore, options: GatewayOptions, logger: Logger) {
        self.store = store
        interval = options.pruneInterval
        batchSize = options.pruneBatchSize
        pause = options.prunePause
        self.logger = logger
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    do {
                        try await pruneOnce()
                    } catch {
                        // Shutdown cancels a pass at its next step (GRDB reports it as its own error).
                        if Task.isCancelled { throw CancellationError() }
                        logger.error("pruning usage events failed, trying again later: \(error)")
                    }
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            return
        }
    }

    /// One pass: every event older than the retention (when one is set), then the free pages. Returns
    /// events pruned.
    ///
    /// A batch holds the database's write lock, and the requests whose holds wait behind it wait with it:
    /// the batch size adapts so that a batch holds it about ``budget`` (halved when one holds it longer,
    /// doubled up to `batchSize` when one holds it less than half), whatever the disk and the table's layout.
    @discardableResult
    func pruneOnce(now: Date = Date()) async throws -> Int {
        guard let cutoff = try await UsageRetention.cutoff(store, now: now) else {
            try await vacuum()
            return 0
        }
        var pruned = 0
        var size = min(batchSize, 100)
        let started = ContinuousClock.now
        while true {
            try Task.checkCancellation()
            let (count, took) = try await UsageRetention.pruneBatch(store, before: cutoff, limit: size, now: now)
            pruned += count
            if count < size { break }
            size = Self.adapt(size, took, within: Self.smallestBatch...batchSize)
            try await Task.sleep(for: pause)
        }
        // A hub with retention prunes a few events at each pass: only large passes are news.
        logger.log(level: pruned >= 1_000 ? .notice : .debug,
                   "pruned \(pruned) usage events older than \(cutoff) in \(ContinuousClock.now - started)")
        try await vacuum()
        return pruned
    }

    /// Hands free pages back to the file system in steps (a pass cut short by a restart goes on here).
    private func vacuum() async throws {
        var pages = 64
        let started = ContinuousClock.now
        var steps = 0
        var left = Int.max
        while true {
            try Task.checkCancellation()
            let (free, took) = try await UsageRetention.vacuumStep(store, pages: pages)
            // Done, or traffic frees pages as fast as they go back: the next pass goes on.
            guard free > 0, free < left else { break }
            left = free
            steps += 1
            pages = Self.adapt(pages, took, within: Self.vacuumPages)
            try await Task.sleep(for: pause)
        }
        if steps > 10 { logger.notice("returned free pages to the file system in \(steps) steps, \(ContinuousClock.now - started)") }
    }

    /// Halves `size` after a step that held the write lock longer than ``budget``, doubles it after one
    /// that held it less than half of it.
    static func adapt(_ size: Int, _ took: Duration, within bounds: ClosedRange<Int>) -> Int {
        if took > budget { return max(bounds.lowerBound, size / 2) }
        if took < budget / 2 { return min(bounds.upperBound, size * 2) }
        return size
    }
}
