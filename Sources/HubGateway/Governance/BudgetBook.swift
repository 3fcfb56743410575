import Foundation
import HubCore
import Synchronization

/// Budgets of keys, users and teams in memory: for each, the spend of its current period and the
/// holds of calls in flight. A call is admitted while its subjects' budgets have room (spent +
/// held below the amount) and then holds its worst case against each of them until its usage is
/// committed, so concurrent calls overshoot a budget by at most one call's hold.
///
/// Spend comes from the usage events: loaded when a budget first appears, added as this node's
/// settlements commit, and compared with the database every 30 seconds (the larger wins, so
/// other nodes' spend is seen within that interval). A period that ends starts the next at zero.
final class BudgetBook: Sendable {
    /// One budget's period and use.
    struct Account: Sendable {
        var budget: Budget
        var name: String
        var periodStart: Date
        var periodEnd: Date
        var spent: Amount = .zero
        var held: Amount = .zero
        /// The period whose soft-threshold notice this node has asked for.
        var softNoticeAsked: Date?
    }

    /// A refusal: the budget that has no room left, and when it resets.
    struct Exceeded: Error, Sendable {
        var account: Account
    }

    /// A budget whose soft threshold a settlement crossed (a notice is due).
    struct SoftCrossing: Sendable {
        var budgetId: Int64
        var subject: String
        var period: BudgetPeriod
        var periodStart: Date
        var amount: Amount
        var spent: Amount
    }

    private struct State {
        var accounts: [Int64: Account] = [:]
        var bySubject: [SubjectKey: [Int64]] = [:]
        /// Holds of calls in flight, by request id: (budget id, amount).
        var holds: [String: [(Int64, Amount)]] = [:]
        var calendar = BudgetCalendar(timeZone: TimeZone(identifier: "UTC")!)
        var mode = DeploymentMode.enterprise
    }

    private let state = Mutex(State())

    /// Budgets that apply now: true when any of `subjects` has one.
    func applies(to subjects: [SubjectKey]) -> Bool {
        state.withLock { state in subjects.contains { state.bySubject[$0] != nil } }
    }

    /// Takes the configuration's budgets; `spends` (budget id → period start and spend) from the
    /// database for budgets new to this book or resynchronised.
    func configure(_ catalog: GovernanceCatalog, settings: HubSettings, spends: [Int64: (periodStart: Date, spent: Amount)],
                   now: Date) {
        state.withLock { state in
            state.calendar = BudgetCalendar(settings: settings)
            if state.mode != settings.mode { state.accounts = [:] }   // credits and USD do not mix
            state.mode = settings.mode
            var accounts: [Int64: Account] = [:]
            var bySubject: [SubjectKey: [Int64]] = [:]
            for budget in catalog.budgets {
                guard let id = budget.id else { continue }
                let subject = SubjectKey(budget.subjectKind, budget.subjectId)
                let period = state.calendar.interval(budget.period, containing: now)
                var account = state.accounts[id]
                    ?? Account(budget: budget, name: catalog.name(subject), periodStart: period.start, periodEnd: period.end)
                if account.budget.period != budget.period || account.periodStart != period.start {
                    account.periodStart = period.start
                    account.periodEnd = period.end
                    account.spent = .zero
                }
                account.budget = budget
                account.name = catalog.name(subject)
                if let loaded = spends[id], loaded.periodStart == account.periodStart {
                    account.spent = max(account.spent, loaded.spent)
                }
                accounts[id] = account
                bySubject[subject, default: []].append(id)
            }
            state.accounts = accounts
            state.bySubject = bySubject
        }
    }

    /// Ids of the budgets this book knows (to load the spend of new ones).
    var budgetIds: Set<Int64> { state.withLock { Set($0.accounts.keys) } }

    /// The mode the book counts in (credits or provider USD).
    var mode: DeploymentMode { state.withLock { $0.mode } }

    /// Holds `amount` for `requestId` against every budget of `subjects`, or throws the first
    /// budget with no room left (nothing is held then).
    func reserve(_ requestId: String, subjects: [SubjectKey], amount: Amount, now: Date) throws(Exceeded) {
        let refused: Account? = state.withLock { state in
            let ids = subjects.flatMap { state.bySubject[$0] ?? [] }
            guard !ids.isEmpty else { return nil }
            for id in ids {
                Self.roll(&state.accounts[id]!, to: now, state.calendar)
                let account = state.accounts[id]!
                if Self.sum(account.spent, account.held).nanos >= account.budget.amount.nanos { return account }
            }
            // A hold larger than the budget holds the whole budget: enough to refuse every other call,
            // and no sum can overflow.
            let held = ids.map { id in (id, min(amount, state.accounts[id]!.budget.amount)) }
            for (id, hold) in held { state.accounts[id]!.held = Self.sum(state.accounts[id]!.held, hold) }
            state.holds[requestId] = held
            return nil
        }
        if let refused { throw Exceeded(account: refused) }
    }

    /// A committed call: releases its holds and adds what it spent (`charged` credits or
    /// `providerCost`, by mode) to the budgets of its subjects whose period holds `createdAt`.
    /// Returns the budgets whose soft threshold it crossed.
    func settled(_ requestId: String, subjects: [SubjectKey], charged: Amount, providerCost: Amount,
                 createdAt: Date) -> [SoftCrossing] {
        state.withLock { state in
            for (id, amount) in state.holds.removeValue(forKey: requestId) ?? [] {
                guard state.accounts[id] != nil else { continue }
                state.accounts[id]!.held = Amount(nanos: max(0, state.accounts[id]!.held.nanos &- amount.nanos))
            }
            let spent = state.mode == .serviceProvider ? charged : providerCost
            guard spent.isPositive else { return [] }
            var crossings: [SoftCrossing] = []
            for id in subjects.flatMap({ state.bySubject[$0] ?? [] }) {
                Self.roll(&state.accounts[id]!, to: createdAt, state.calendar)
                var account = state.accounts[id]!
                guard createdAt >= account.periodStart, createdAt < account.periodEnd else { continue }
                let before = account.spent
                account.spent = Self.sum(account.spent, spent)
                if let percent = account.budget.softPercent {
                    let line = Int64((Int128(account.budget.amount.nanos) * Int128(percent)) / 100)
                    if before.nanos < line, account.spent.nanos >= line, account.softNoticeAsked != account.periodStart {
                        account.softNoticeAsked = account.periodStart
                        crossings.append(SoftCrossing(budgetId: id, subject: account.name, period: account.budget.period,
                                                      periodStart: account.periodStart, amount: account.budget.amount,
                                                      spent: account.spent))
                    }
                }
                state.accounts[id] = account
            }
            return crossings
        }
    }

    /// A budget's account (tests and stats).
    func account(_ budgetId: Int64) -> Account? { state.withLock { $0.accounts[budgetId] } }

    /// Moves an account into the period holding `date` when its own has ended (the spend starts
    /// again at zero; holds stay until their calls settle).
    private static func roll(_ account: inout Account, to date: Date, _ calendar: BudgetCalendar) {
        guard date >= account.periodEnd else { return }
        let period = calendar.interval(account.budget.period, containing: date)
        account.periodStart = period.start
        account.periodEnd = period.end
        account.spent = .zero
    }

    /// `a + b`, saturating at `Int64.max` nano-units: a worst case priced at the largest amount must
    /// not wrap a budget's sums negative (which would admit every call).
    static func sum(_ a: Amount, _ b: Amount) -> Amount {
        Amount(nanos: Int64(clamping: Int128(a.nanos) + Int128(b.nanos)))
    }
}
