import Foundation
import GRDB
@testable import HubCore
import Logging
import Testing
@testable import HubGateway

/// A ``Reservation`` owns its hold from reserve to settle: written durably before it is granted,
/// settled by the request's record, and released even if a path forgets to settle it.
@Suite struct ReservationTests {
    private func writer() async throws -> (UsageWriter, CreditBook, HubStore, Int64, Task<Void, any Error>) {
        let (store, user) = try await payerStore("reservation")
        let credits = CreditBook()
        let writer = UsageWriter(store: store, credits: credits, metrics: GatewayMetrics(), logger: Logger(label: "test"))
        let running = Task { try await writer.run() }
        return (writer, credits, store, user, running)
    }

    private func until(_ condition: () async throws -> Bool) async throws -> Bool {
        // Generous: a full parallel test run can leave this process's tasks waiting long for a thread.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    @Test func aForgottenReservationIsReleasedAndItsRowDeleted() async throws {
        let (writer, credits, store, user, running) = try await writer()
        defer { running.cancel() }
        await credits.apply([BalanceFeed.Update(userId: user, balance: Amount(units: 1), ledgerId: 1)])
        var meter = Meter(requestId: "req-forgotten", started: .now)
        meter.model = "p/m"
        meter.userId = user
        var reservation: Reservation? = try await Reservation.hold(
            meter, userId: user, amount: Amount(nanos: 600_000_000), credits: credits, writer: writer, paymentLink: nil)
        // Held in memory (a second such request is refused) and in the database before it is granted.
        #expect(await credits.account(user).held == Amount(nanos: 600_000_000))
        await #expect(throws: APIError.self) {
            _ = try await Reservation.hold(meter, userId: user, amount: Amount(nanos: 600_000_000), credits: credits,
                                           writer: writer, paymentLink: nil)
        }
        #expect(try await store.sqlite().read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM holds") } == 1)
        // A path that drops it without settling: it settles itself as an uncharged failure.
        #expect(reservation != nil)
        reservation = nil
        #expect(try await until { await credits.account(user).held == .zero })
        try await store.sqlite().read { db throws in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM holds") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT status FROM usage_events WHERE request_id = 'req-forgotten'") == 500)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger WHERE kind = 'usage'") == 0)
        }
    }

    @Test func concurrentHoldsAreGroupCommitted() async throws {
        let (writer, credits, store, user, running) = try await writer()
        defer { running.cancel() }
        await credits.apply([BalanceFeed.Update(userId: user, balance: Amount(units: 1), ledgerId: 1)])
        let granted = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    var meter = Meter(requestId: "req-\(index)", started: .now)
                    meter.model = "p/m"
                    meter.userId = user
                    guard let reservation = try? await Reservation.hold(
                        meter, userId: user, amount: Amount(nanos: 1_000_000), credits: credits, writer: writer,
                        paymentLink: nil) else { return false }
                    // Settled at its real cost, half the hold.
                    meter.reservation = reservation
                    var record = meter.record(status: 200, error: nil)
                    record.charge = Amount(nanos: 500_000)
                    record.hold = reservation.handOver()
                    await writer.submit(record)
                    return true
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(granted == 200)
        #expect(try await until { try await store.sqlite().read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM usage_events") } == 200 })
        try await store.sqlite().read { db throws in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM holds") == 0)
            #expect(try Int64.fetchOne(db, sql: "SELECT balance FROM users") == 1_000_000_000 - 200 * 500_000)
        }
        #expect(try await until { await credits.account(user).held == .zero })
        // 200 holds and 200 settlements, group-committed: far fewer transactions than writes.
        let transactions = await writer.transactions
        #expect(transactions < 200, "\(transactions) transactions for 400 writes")
    }
}
