import HubCore
import Logging
import ServiceLifecycle

/// The batching writer of usage: requests hand over their finished ``UsageRecord`` and return at
/// once; the writer commits everything pending in one transaction (group commit), then releases
/// the requests' credit reservations and counts the events for `/metrics`.
///
/// On graceful shutdown it keeps going until nothing is pending (the gateway stops accepting work
/// and drains its requests first), so no usage event is lost. A failed batch is retried: commits
/// are idempotent by request id.
actor UsageWriter: Service {
    struct Item: Sendable {
        var record: UsageRecord
        /// The credits reserved for the request, released once its charge is committed.
        var hold: Amount
    }

    let store: HubStore
    let credits: CreditBook
    let metrics: GatewayMetrics
    let logger: Logger
    private var pending: [Item] = []
    private var wakeUp: CheckedContinuation<Void, Never>?
    private var stopping = false
    private(set) var committed = 0

    init(store: HubStore, credits: CreditBook, metrics: GatewayMetrics, logger: Logger) {
        self.store = store; self.credits = credits; self.metrics = metrics; self.logger = logger
    }

    /// Queues one finished request. Never blocks on the database.
    func submit(_ record: UsageRecord, hold: Amount) {
        pending.append(Item(record: record, hold: hold))
        wakeUp?.resume()
        wakeUp = nil
    }

    var pendingCount: Int { pending.count }

    func run() async throws {
        await withGracefulShutdownHandler {
            await loop()
        } onGracefulShutdown: {
            Task { await self.stop() }
        }
    }

    private func stop() {
        stopping = true
        wakeUp?.resume()
        wakeUp = nil
    }

    private func loop() async {
        var failures = 0
        while true {
            if pending.isEmpty {
                if stopping || Task.isCancelled { return }
                await withCheckedContinuation { wakeUp = $0 }
                continue
            }
            let batch = Array(pending.prefix(2_000))
            do {
                let results = try await UsageSettlement.commitAsync(batch.map(\.record), to: store)
                pending.removeFirst(batch.count)
                committed += batch.count
                failures = 0
                await credits.settled(zip(batch, results).map { ($0.hold, $1) })
                await metrics.record(zip(batch, results).map { item, result in
                    var event = item.record.event
                    event.creditsCharged = result.charged
                    return event
                })
            } catch {
                failures += 1
                logger.error("usage batch of \(batch.count) not committed (attempt \(failures)): \(error)")
                if failures >= 3 {
                    await isolateBadRecords(batch)
                    if stopping && failures >= 100 {
                        logger.critical("giving up on \(pending.count) usage records at shutdown")
                        return
                    }
                }
                try? await Task.sleep(for: .milliseconds(min(50 * failures, 1_000)))
            }
        }
    }

    /// A batch that keeps failing may hold one record the database refuses: commit the batch's
    /// records one by one and set aside (logged in full) only those that fail on their own.
    private func isolateBadRecords(_ batch: [Item]) async {
        var kept: [Item] = []
        for item in batch {
            do {
                let results = try await UsageSettlement.commitAsync([item.record], to: store)
                committed += 1
                await credits.settled([(item.hold, results[0])])
                var event = item.record.event
                event.creditsCharged = results[0].charged
                await metrics.record([event])
            } catch let error where error.code == .storage || error.code == .unavailable {
                kept.append(item)
            } catch {
                logger.critical("usage record refused by the database, set aside: \(item.record.event) (\(error))")
                if let userId = item.record.event.userId { await credits.release(userId: userId, amount: item.hold) }
            }
        }
        pending.removeFirst(batch.count)
        pending.insert(contentsOf: kept, at: 0)
    }
}
