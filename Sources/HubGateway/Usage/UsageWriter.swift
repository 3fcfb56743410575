import Foundation
import HubCore
import Logging
import ServiceLifecycle

/// The batching writer of the money path (group commit): in one transaction per batch it writes the
/// durable holds of requests about to go upstream (they wait for it), settles finished requests
/// (which do not wait), audits overruns and records when keys and credentials were last used.
/// After a commit it releases the settled requests' credit reservations and counts their events
/// for `/metrics`.
///
/// On graceful shutdown it keeps going until nothing is pending (the gateway stops accepting work
/// and drains its requests first), so no usage event is lost. A failed batch is retried: commits
/// are idempotent by request id. A hold whose batch failed is refused (its request answers 503).
actor UsageWriter: Service {
    struct Item: Sendable {
        var record: UsageRecord
        /// The credential the request was last sent with.
        var credentialId: Int64?
        /// Errors of the upstream attempts that failed, by credential.
        var credentialErrors: [Int64: String] = [:]
    }

    /// What became of a hold the writer was given.
    enum HoldAnswer: Sendable, Equatable {
        /// Committed: the request may go upstream.
        case written
        /// The database refused it: the user's balance less every node's open holds was `available`.
        case refused(available: Amount)
        /// Not written (the database failed, or the writer stopped): the request answers 503.
        case failed
    }

    private struct PendingHold {
        var record: HoldRecord
        var written: CheckedContinuation<HoldAnswer, Never>
    }

    let store: HubStore
    let credits: CreditBook
    let metrics: GatewayMetrics
    let logger: Logger
    /// Budgets: committed spend is added (and holds released) after each batch.
    let budgets: BudgetBook
    /// This process's run, written on its holds.
    let runId = UUID().uuidString
    /// Overruns are audited once per credential per this interval.
    let overrunAuditInterval: Duration
    private var pending: [Item] = []
    private var holds: [PendingHold] = []
    private var lastOverrunAudit: [Int64: ContinuousClock.Instant] = [:]
    private var wakeUp: CheckedContinuation<Void, Never>?
    private var stopping = false
    /// The loop has returned (shutdown): no hold can be written any more.
    private var finished = false
    /// After failed batches, until the next try: holds are refused at once (503) instead of waiting.
    private var backingOff = false
    /// The last transaction carried holds alone (see the loop).
    private var heldAlone = false
    private(set) var committed = 0
    /// Commits tried, batches and single records alike.
    private(set) var commitAttempts = 0
    /// Transactions committed (each a batch of holds and settlements).
    private(set) var transactions = 0

    init(store: HubStore, credits: CreditBook, metrics: GatewayMetrics, logger: Logger,
         overrunAuditInterval: Duration = .seconds(3_600), budgets: BudgetBook = BudgetBook()) {
        self.store = store; self.credits = credits; self.metrics = metrics; self.logger = logger
        self.budgets = budgets
        self.overrunAuditInterval = overrunAuditInterval
    }

    /// Writes a hold durably (in the next batch) and returns once its batch committed.
    func hold(_ record: HoldRecord) async -> HoldAnswer {
        guard !finished, !backingOff else { return .failed }
        return await withCheckedContinuation { continuation in
            holds.append(PendingHold(record: record, written: continuation))
            signal()
        }
    }

    /// Queues one finished request. Never blocks on the database.
    func submit(_ record: UsageRecord, credentialId: Int64? = nil, credentialErrors: [Int64: String] = [:]) {
        if finished { logger.error("usage record submitted after the writer stopped, not written: \(record.event)") }
        pending.append(Item(record: record, credentialId: credentialId, credentialErrors: credentialErrors))
        signal()
    }

    var pendingCount: Int { pending.count }

    private func signal() {
        wakeUp?.resume()
        wakeUp = nil
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await loop()
        } onGracefulShutdown: {
            Task { await self.stop() }
        }
    }

    private func stop() {
        stopping = true
        signal()
    }

    private func loop() async {
        defer {
            finished = true
            for hold in holds { hold.written.resume(returning: .failed) }
            holds = []
        }
        var failures = 0
        while true {
            if pending.isEmpty && holds.isEmpty {
                if stopping || Task.isCancelled { return }
                // Cancelled while it waits: wake up, flush what is pending, and stop.
                await withTaskCancellationHandler {
                    await withCheckedContinuation { wakeUp = $0 }
                } onCancel: {
                    Task { await self.stop() }
                }
                continue
            }
            let newHolds = holds
            holds = []
            // Requests wait for their holds; settlements wait for nobody. With both waiting, every other
            // transaction carries the holds alone (two statements, short even on PostgreSQL), so that a
            // request waits for at most one transaction with settlements in it, and the settlements
            // still go in every second one (with fewer riding along while holds wait). Not after a
            // failed batch: while usage cannot be committed, holds go with it and fail with it, so that
            // no new call is served (and a bad record is still isolated after three failures).
            let holdsAlone = !newHolds.isEmpty && !pending.isEmpty && !heldAlone && failures == 0
            heldAlone = holdsAlone
            let batch = holdsAlone ? [] : Array(pending.prefix(newHolds.isEmpty ? 2_000 : 256))
            let runId = self.runId
            let (audits, audited) = overrunAudits(batch)
            let usage = UsageBatch(holds: newHolds.map(\.record), records: batch.map { $0.record.served(by: runId) },
                                   overruns: audits, lastUse: Self.lastUse(batch))
            do {
                commitAttempts += 1
                let outcome = try await UsageSettlement.commit(usage, to: store)
                let results = outcome.settlements
                transactions += 1
                for hold in newHolds {
                    hold.written.resume(returning: outcome.refusedHolds[hold.record.requestId].map { .refused(available: $0) } ?? .written)
                }
                pending.removeFirst(batch.count)
                committed += batch.count
                failures = 0
                for credential in audited { lastOverrunAudit[credential] = .now }
                await settled(batch, results)
            } catch {
                for hold in newHolds { hold.written.resume(returning: .failed) }
                if !newHolds.isEmpty { logger.error("\(newHolds.count) holds not written: \(error)") }
                guard !batch.isEmpty else { continue }
                failures += 1
                logger.error("usage batch of \(batch.count) not committed (attempt \(failures)): \(error)")
                backingOff = true
                if failures >= 3 {
                    await isolateBadRecords(batch)
                    if stopping && failures >= 100 {
                        logger.critical("giving up on \(pending.count) usage records at shutdown")
                        return
                    }
                }
                try? await Task.sleep(for: .milliseconds(min(50 * failures, 1_000)))
                backingOff = false
            }
        }
    }

    private func settled(_ items: [Item], _ results: [SettlementResult]) async {
        await credits.settled(zip(items, results).map { ($0.record.hold ?? .zero, $1) })
        budgetsSettled(zip(items, results).map { ($0.record.event, $1.charged) })
        await metrics.record(zip(items, results).map { item, result in
            var event = item.record.event
            event.creditsCharged = result.charged
            event.overrun = item.record.overrun
            return event
        })
    }

    /// Adds committed spend to the budgets and sends the soft-threshold notices it made due.
    private func budgetsSettled(_ settled: [(event: UsageEvent, charged: Amount)]) {
        var crossings: [BudgetBook.SoftCrossing] = []
        for (event, charged) in settled {
            guard let userId = event.userId, let keyId = event.apiKeyId else {
                _ = budgets.settled(event.requestId, subjects: [], charged: .zero, providerCost: .zero, createdAt: event.createdAt)
                continue
            }
            var subjects = [SubjectKey(.key, keyId), SubjectKey(.user, userId)]
            if let team = event.teamId { subjects.append(SubjectKey(.team, team)) }
            crossings += budgets.settled(event.requestId, subjects: subjects, charged: charged,
                                         providerCost: event.providerCost, createdAt: event.createdAt)
        }
        guard !crossings.isEmpty else { return }
        let (store, logger) = (store, logger)
        Task.detached {
            for crossing in crossings {
                do {
                    try await BudgetNotices.softLimitReached(
                        budgetId: crossing.budgetId, subject: crossing.subject, period: crossing.period,
                        periodStart: crossing.periodStart, amount: crossing.amount, spent: crossing.spent, store: store)
                } catch {
                    logger.error("budget soft-limit notice not queued: \(error)")
                }
            }
        }
    }

    /// One audit entry per credential (0: a provider without one) per interval for calls that cost
    /// more than their hold: the upstream ignored the output limit it was sent.
    private func overrunAudits(_ batch: [Item]) -> ([OverrunNotice], Set<Int64>) {
        var entries: [OverrunNotice] = []
        var audited: Set<Int64> = []
        let now = ContinuousClock.now
        for item in batch where item.record.overrun.isPositive {
            let credential = item.credentialId ?? 0
            if audited.contains(credential) { continue }
            if let last = lastOverrunAudit[credential], now - last < overrunAuditInterval { continue }
            audited.insert(credential)
            let event = item.record.event
            entries.append(OverrunNotice(
                requestId: event.requestId, model: event.model, providerId: event.providerId,
                credentialId: item.credentialId, hold: item.record.hold ?? .zero, cost: item.record.charge,
                overrun: item.record.overrun, tokensOut: event.tokensOut))
        }
        return (entries, audited)
    }

    private static func lastUse(_ batch: [Item]) -> LastUse {
        var use = LastUse()
        for item in batch {
            let event = item.record.event
            if let key = event.apiKeyId, event.status != 401 { use.keys.insert(key) }
            if let credential = item.credentialId { use.credentials.insert(credential) }
            for (credential, error) in item.credentialErrors {
                use.credentials.insert(credential)
                use.credentialErrors[credential] = error
            }
        }
        return use
    }

    /// A batch that keeps failing may hold one record the database refuses: commit the batch's
    /// records one by one and set aside (logged in full) only those that fail on their own. An error
    /// about the database itself (busy, full, broken) is no record's fault: isolation stops there and
    /// the record and the untried rest go back to the queue, instead of each waiting out the busy timeout.
    private func isolateBadRecords(_ batch: [Item]) async {
        var tried = 0
        isolating: for item in batch {
            do {
                commitAttempts += 1
                let results = try await UsageSettlement.commit(UsageBatch(records: [item.record.served(by: runId)]), to: store).settlements
                committed += 1
                await settled([item], results)
            } catch let error where error.code == .storage || error.code == .unavailable {
                break isolating
            } catch {
                logger.critical("usage record refused by the database, set aside: \(item.record.event) (\(error))")
                if let userId = item.record.event.userId, let hold = item.record.hold {
                    await credits.release(userId: userId, amount: hold)
                }
                _ = budgets.settled(item.record.event.requestId, subjects: [], charged: .zero, providerCost: .zero,
                                    createdAt: item.record.event.createdAt)
            }
            tried += 1
        }
        pending.removeFirst(tried)
    }
}

extension UsageRecord {
    /// The record with the node that served it (kept when it already names one: a recovered hold's).
    func served(by nodeId: String) -> UsageRecord {
        guard event.nodeId == nil else { return self }
        var record = self
        record.event.nodeId = nodeId
        return record
    }
}
