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
    /// Pages returned to the file system per step (2 MB of 4 KB pages).
    static let vacuumPages = 512
    /// How long one pruning transaction should hold the write lock.
    static let batchBudget: Duration = .milliseconds(10)
    static let smallestBatch = 20

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
                    } catch let error as CancellationError {
                        throw error
                    } catch {
                        logger.error("pruning usage events failed, trying again later: \(error)")
                    }
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            return
        }
    }

    /// One pass: every event older than the retention, then the free pages. Returns events pruned.
    ///
    /// A batch holds the database's write lock, and the requests whose holds wait behind it wait with it:
    /// the batch size adapts so that a batch holds it about ``batchBudget`` (halved when one holds it longer,
    /// doubled up to `batchSize` when one holds it less than half), whatever the disk and the table's layout.
    @discardableResult
    func pruneOnce(now: Date = Date()) async throws -> Int {
        guard let cutoff = try await UsageRetention.cutoff(store, now: now) else { return 0 }
        var pruned = 0
        var size = min(batchSize, 100)
        let started = ContinuousClock.now
        while true {
            try Task.checkCancellation()
            let (count, took) = try await UsageRetention.pruneBatch(store, before: cutoff, limit: size, now: now)
            pruned += count
            if count < size { break }
            if took > Self.batchBudget {
                size = max(Self.smallestBatch, size / 2)
            } else if took < Self.batchBudget / 2 {
                size = min(batchSize, size * 2)
            }
            try await Task.sleep(for: pause)
        }
        guard pruned > 0 else { return 0 }
        while try await UsageRetention.vacuumStep(store, pages: Self.vacuumPages) > 0 {
            try await Task.sleep(for: pause)
        }
        logger.notice("pruned \(pruned) usage events older than \(cutoff) in \(ContinuousClock.now - started)")
        return pruned
    }
}
