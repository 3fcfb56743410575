import Foundation
import HubCore
import Testing
@testable import HubGateway

/// The governance parts of the request path, in memory: the rate limiter's windows, the budget
/// book's holds and periods, OpenAI's duration notation.
@Suite struct GovernanceUnitTests {
    @Test func durationsAreWrittenAsOpenAIDoes() async {
        #expect(RateHeaders.goDuration(.milliseconds(20)) == "20ms")
        #expect(RateHeaders.goDuration(.milliseconds(1_500)) == "1.5s")
        #expect(RateHeaders.goDuration(.seconds(1)) == "1s")
        #expect(RateHeaders.goDuration(.seconds(360)) == "6m0s")
        #expect(RateHeaders.goDuration(.milliseconds(59_874)) == "59.874s")
    }

    @Test func windowsSlideAndConcurrencySlotsAreFreedOnce() async throws {
        let limiter = RateLimiter()
        let key = SubjectKey(.key, 1)
        let rule = RateLimiter.Rule(subject: key, name: "k", limits: LimitValues(rpm: 2, concurrency: 1))
        let start = ContinuousClock.now
        let first = try limiter.admit([rule], now: start)
        #expect(first.headers.requests?.remaining == 1)
        // The only concurrency slot is taken.
        #expect(throws: RateLimiter.Refusal.self) { try limiter.admit([rule], now: start + .seconds(1)) }
        first.finish(tokens: 10)
        first.finish(tokens: 10)   // a second finish frees nothing more
        #expect(limiter.inFlight(key) == 0)
        let second = try limiter.admit([rule], now: start + .seconds(2))
        second.finish(tokens: 0)
        // Two requests in the minute: the third waits until the first leaves the window.
        do {
            _ = try limiter.admit([rule], now: start + .seconds(30))
            Issue.record("a third request in a minute was admitted")
        } catch {
            #expect(error.retryAfter == .seconds(30))
        }
        #expect(throws: Never.self) { try limiter.admit([rule], now: start + .seconds(61)) }
    }

    @Test func aDroppedPermitFreesItsSlot() async throws {
        let limiter = RateLimiter()
        let rule = RateLimiter.Rule(subject: SubjectKey(.team, 7), name: "t", limits: LimitValues(concurrency: 1))
        do { _ = try limiter.admit([rule]) }
        #expect(limiter.inFlight(SubjectKey(.team, 7)) == 0)
    }

    @Test func budgetHoldsAndPeriods() async throws {
        let book = BudgetBook()
        var settings = try #require(Self.settings(mode: .serviceProvider))
        settings.governanceTimeZone = "UTC"
        let budget = Budget(id: 1, subjectKind: .user, subjectId: 5, period: .day, amount: Amount(units: 1), softPercent: 50,
                            softNoticePeriod: nil, createdAt: Date(), updatedAt: Date())
        let catalog = GovernanceCatalog(budgets: [budget], names: [SubjectKey(.user, 5): "eve"])
        let noon = try Date("2026-11-29T12:00:00Z", strategy: .iso8601)
        book.configure(catalog, settings: settings, spends: [1: (try Date("2026-11-29T00:00:00Z", strategy: .iso8601), Amount(nanos: 400_000_000))], now: noon)
        let subjects = [SubjectKey(.key, 9), SubjectKey(.user, 5)]
        try book.reserve("a", subjects: subjects, amount: Amount(nanos: 500_000_000), now: noon)
        // 0.4 spent + 0.5 held < 1: room for one more, which may overshoot by its hold.
        try book.reserve("b", subjects: subjects, amount: Amount(nanos: 500_000_000), now: noon)
        #expect(throws: BudgetBook.Exceeded.self) { try book.reserve("c", subjects: subjects, amount: .zero, now: noon) }
        let crossings = book.settled("a", subjects: subjects, charged: Amount(nanos: 200_000_000), providerCost: .zero, createdAt: noon)
        #expect(crossings.map(\.budgetId) == [1], "0.4 → 0.6 crosses the 50 % line")
        #expect(book.account(1)?.spent == Amount(nanos: 600_000_000) && book.account(1)?.held == Amount(nanos: 500_000_000))
        // The next day starts at zero; a call created yesterday and settled today does not count for it.
        let tomorrow = noon.addingTimeInterval(86_400)
        try book.reserve("d", subjects: subjects, amount: .zero, now: tomorrow)
        _ = book.settled("b", subjects: subjects, charged: Amount(nanos: 500_000_000), providerCost: .zero, createdAt: noon)
        #expect(book.account(1)?.spent == .zero && book.account(1)?.held == .zero)
    }

    /// A hold priced at the largest amount holds the whole budget and saturates: it must not wrap the
    /// budget's sums negative and so admit every later call (review finding).
    @Test func anAbsurdHoldDoesNotWrapABudget() async throws {
        let book = BudgetBook()
        let settings = try #require(Self.settings(mode: .serviceProvider))
        let budget = Budget(id: 1, subjectKind: .user, subjectId: 5, period: .day, amount: Amount(units: 1), softPercent: nil,
                            softNoticePeriod: nil, createdAt: Date(), updatedAt: Date())
        let noon = try Date("2026-11-29T12:00:00Z", strategy: .iso8601)
        book.configure(GovernanceCatalog(budgets: [budget], names: [:]), settings: settings,
                       spends: [1: (try Date("2026-11-29T00:00:00Z", strategy: .iso8601), Amount(nanos: 400_000_000))], now: noon)
        let subjects = [SubjectKey(.user, 5)]
        try book.reserve("huge", subjects: subjects, amount: Amount(nanos: .max), now: noon)
        #expect(book.account(1)?.held == Amount(units: 1))
        #expect(throws: BudgetBook.Exceeded.self) { try book.reserve("next", subjects: subjects, amount: Amount(nanos: 1), now: noon) }
        _ = book.settled("huge", subjects: subjects, charged: Amount(nanos: .max), providerCost: .zero, createdAt: noon)
        #expect(book.account(1)?.spent == Amount(nanos: .max) && book.account(1)?.held == .zero)
        #expect(throws: BudgetBook.Exceeded.self) { try book.reserve("after", subjects: subjects, amount: Amount(nanos: 1), now: noon) }
    }

    static func settings(mode: DeploymentMode) -> HubSettings? {
        let json = """
            {"id":1,"mode":"\(mode.rawValue)","starter_credits_enabled":false,"starter_credits":"0","low_balance_threshold":"0",
             "allow_unpriced_models":false,"updated_at":"2026-11-29T00:00:00Z","governance_time_zone":"UTC",
             "default_key_limits":{},"unauthenticated_rpm":300}
            """
        return try? HubJSON.decoder().decode(HubSettings.self, from: Data(json.utf8))
    }
}
