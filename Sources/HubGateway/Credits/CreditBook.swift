import HubCore

/// Balances and this hub's outstanding reservations, per user, in memory.
///
/// A request reserves its maximum cost before it goes upstream and is refused when the last known
/// balance minus everything already reserved cannot cover it. The reservation is released only
/// once the request's charge is committed (and the balance it left is applied here in the same
/// step), so concurrent requests can never spend more than the balance, even across batches.
/// Balances follow the ledger: every entry carries its id, and only newer news replaces older.
actor CreditBook {
    struct Account {
        var balance: Amount = .zero
        var ledgerId: Int64 = 0
        var held: Amount = .zero
    }

    enum Decision: Sendable, Equatable {
        case granted
        /// What was available (balance minus reservations) when the request was refused.
        case refused(available: Amount)
    }

    private var accounts: [Int64: Account] = [:]

    /// Reserves `amount` for a request of `userId`, or refuses.
    func reserve(userId: Int64, amount: Amount) -> Decision {
        var account = accounts[userId] ?? Account()
        let available = Amount(nanos: account.balance.nanos &- account.held.nanos)
        guard amount <= available else { return .refused(available: available) }
        account.held = Amount(nanos: account.held.nanos &+ amount.nanos)
        accounts[userId] = account
        return .granted
    }

    /// Releases a reservation whose request was never charged (refused upstream, failed, ...).
    func release(userId: Int64, amount: Amount) {
        guard var account = accounts[userId] else { return }
        account.held = Amount(nanos: account.held.nanos &- amount.nanos)
        accounts[userId] = account
    }

    /// After a batch committed: applies each charge's resulting balance, then releases its hold.
    func settled(_ settlements: [(hold: Amount, result: SettlementResult)]) {
        for (hold, result) in settlements {
            guard let userId = result.userId else { continue }
            if let balance = result.balanceAfter, let ledgerId = result.ledgerId {
                apply(BalanceFeed.Update(userId: userId, balance: balance, ledgerId: ledgerId))
            }
            if hold.isPositive { release(userId: userId, amount: hold) }
        }
    }

    /// Applies balances learned from the ledger (any process's grants and charges).
    func apply(_ updates: [BalanceFeed.Update]) {
        for update in updates { apply(update) }
    }

    private func apply(_ update: BalanceFeed.Update) {
        var account = accounts[update.userId] ?? Account()
        guard update.ledgerId >= account.ledgerId else { return }
        account.balance = update.balance
        account.ledgerId = update.ledgerId
        accounts[update.userId] = account
    }

    /// The balance and outstanding reservations of a user (for tests and stats).
    func account(_ userId: Int64) -> Account { accounts[userId] ?? Account() }
}
