import Foundation
import GRDB
@testable import HubCore
import Logging
import Testing
@testable import HubGateway

/// A database that refuses every write (here: a trigger calling a function that does not exist,
/// an immediate storage error standing for busy or full): the writer does not try its records one
/// by one (each would wait out the busy timeout), keeps them all, refuses new holds at once while
/// it backs off, and commits everything once the database takes writes again.
@Suite struct UsageWriterBackoffTests {
    @Test func anUnavailableDatabaseStopsIsolationAndKeepsEveryRecord() async throws {
        let (store, user) = try await payerStore("backoff")
        let writer = UsageWriter(store: store, credits: CreditBook(), metrics: GatewayMetrics(), logger: Logger(label: "test"))
        let running = Task { try await writer.run() }
        defer { running.cancel() }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)   // the writer keeps retrying its batches meanwhile
        let other = try DatabaseQueue(path: store.directory.databaseURL.path, configuration: configuration)
        try await other.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON usage_events BEGIN SELECT no_such_function(); END")
        }
        let records = 20
        for index in 0..<records {
            await writer.submit(UsageRecord(
                event: UsageEvent(requestId: "r\(index)", userId: user, apiKeyId: nil, providerId: nil, model: "p/m",
                                  tokensIn: 1, tokensOut: 1, status: 200),
                charge: Amount(nanos: 1_000)))
        }
        // Three failed batches, then isolation, then at least one more round.
        let deadline = Date().addingTimeInterval(60)
        while await writer.commitAttempts < 6, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await writer.commitAttempts >= 6)
        #expect(await writer.pendingCount == records, "a record was dropped while the database was unavailable")
        // While it backs off, a hold is refused at once (or, between back-offs, after one failed batch).
        let hold = HoldRecord(requestId: "h1", userId: user, apiKeyId: nil, model: "p/m", amount: Amount(nanos: 1_000),
                              runId: "another-run")
        #expect(await writer.hold(hold) == .failed)
        // Trying the 20 records one by one would take 20 attempts in the first isolation alone. (Counted
        // before the trigger goes: an isolation that starts just as it goes may rightly commit them one by one.)
        let whileRefused = await writer.commitAttempts
        #expect(whileRefused < 3 + records, "isolation went on past an error about the database")
        try await other.write { db in try db.execute(sql: "DROP TRIGGER refuse") }
        while await writer.pendingCount > 0, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await writer.pendingCount == 0)
        try await store.sqlite().read { db throws in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_events") == records)
            #expect(try Int64.fetchOne(db, sql: "SELECT SUM(amount) FROM ledger") == Int64.fetchOne(db, sql: "SELECT balance FROM users"))
        }
    }
}
