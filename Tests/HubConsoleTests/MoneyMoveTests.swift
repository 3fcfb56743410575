import Foundation
@testable import HubConsole
import HubAdmin
import HubCore
import Synchronization
import Testing

/// Money moves from the console carry an idempotency key made once per confirmed dialog: a send
/// whose answer is lost is sent again with the same key, and the hub applies it once.
@Suite struct MoneyMoveTests {
    @Test func aGrantWhoseAnswerIsLostIsResentAndAppliedOnce() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        let lossy = LossyConnection(hub.connection, loseAnswers: 1)
        var driver = await Driver(hub: hub, connection: lossy)
        await driver.press(.character("3"), .character("G"), .character("+"))  // 王小明, the last user
        await driver.type("10")
        await driver.press(.tab)
        await driver.type("lost answer")
        await driver.press(.enter, .character("y"))
        guard case .grant(_, _, _, let key)? = driver.performed.first else { Issue.record("sent \(driver.performed)"); return }
        #expect(lossy.sentKeys == [key, key], "the resend names the same ledger entry")
        #expect(driver.state.status?.text == "✓ granted 10 credits to 王小明")
        let ledger = try await hub.connection.service.perform(Admin.UsersLedger(user: "王小明"), actor: "test")
        #expect(ledger.filter { $0.reason == "lost answer" }.map(\.idempotencyKey) == [key])
        #expect(driver.state.data.users.first { $0.user.name == "王小明" }?.user.balance == Amount(units: 35))
    }

    @Test func aDeductWhoseAnswerIsLostTwiceIsAppliedOnce() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        let lossy = LossyConnection(hub.connection, loseAnswers: 2)
        var driver = await Driver(hub: hub, connection: lossy)
        await driver.press(.character("3"), .character("G"), .character("-"))
        await driver.type("4")
        await driver.press(.tab)
        await driver.type("refund mistake")
        await driver.press(.enter, .character("y"))
        #expect(lossy.sentKeys.count == 3 && Set(lossy.sentKeys).count == 1)
        #expect(driver.state.status?.text == "✓ deducted 4 credits from 王小明")
        let balance = try await hub.connection.service.perform(Admin.UsersShow(user: "王小明"), actor: "test").user.balance
        #expect(balance == Amount(units: 21))
    }

    @Test func eachConfirmedDialogIsOneMoveHoweverOftenItIsSent() async throws {
        let hub = try await TestHub.make()
        defer { hub.remove() }
        var driver = await Driver(hub: hub)
        for _ in 0..<2 {  // two dialogs, same amount and reason: two grants
            await driver.press(.character("3"), .character("G"), .character("+"))  // 王小明, the last user
            await driver.type("1")
            await driver.press(.tab)
            await driver.type("same")
            await driver.press(.enter, .character("y"))
        }
        #expect(driver.performed.count == 2)
        for mutation in driver.performed {  // each dialog's move sent again, as a resend would
            let event = await driver.bridge.perform(mutation)
            guard case .performed = event else { Issue.record("the resend answered \(event)"); continue }
        }
        let ledger = try await hub.connection.service.perform(Admin.UsersLedger(user: "王小明"), actor: "test")
        #expect(ledger.filter { $0.reason == "same" }.count == 2, "each dialog applied once, however often sent")
        let balance = try await hub.connection.service.perform(Admin.UsersShow(user: "王小明"), actor: "test").user.balance
        #expect(balance == Amount(units: 27))
    }
}

/// Runs every call on `base`, but loses the answers (whatever they were) to the first `loseAnswers` money
/// moves (as a dropped socket would), and records the idempotency key each one was sent with.
final class LossyConnection: HubConnection {
    let base: DatabaseConnection
    private let state: Mutex<(lose: Int, keys: [String])>

    init(_ base: DatabaseConnection, loseAnswers: Int) {
        self.base = base
        state = Mutex((loseAnswers, []))
    }

    var endpoint: HubEndpoint { base.endpoint }
    var sentKeys: [String] { state.withLock { $0.keys } }

    func call<M: AdminMethod>(_ method: M) async throws(HubError) -> M.Result {
        let key = (method as? Admin.UsersGrant)?.idempotencyKey ?? (method as? Admin.UsersDeduct)?.idempotencyKey
            ?? (method as? Admin.PaymentsResolve)?.idempotencyKey
        let isMove = method is Admin.UsersGrant || method is Admin.UsersDeduct || method is Admin.PaymentsResolve
        if isMove { state.withLock { $0.keys.append(key ?? "(none)") } }
        let result: Result<M.Result, HubError>
        do throws(HubError) { result = .success(try await base.call(method)) } catch { result = .failure(error) }
        let lose = isMove && state.withLock { state in
            defer { state.lose -= 1 }
            return state.lose > 0
        }
        if lose { throw HubError(.unavailable, "lost the connection to the hub: the answer never came") }
        return try result.get()
    }

    func subscribe(_ mode: SubscriptionMode) async throws(HubError) -> AsyncThrowingStream<HubNotification, any Error> {
        try await base.subscribe(mode)
    }
}
