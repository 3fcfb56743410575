import Foundation
import GRDB
import HubCore
import HubTestSupport
import Testing

/// Retention on a running hub: 100,000 raw usage events, 2/3 of them older than the retention; the
/// hub prunes them beside live traffic, the rollups and every report keep their totals, and the
/// database file gives the space back.
@Suite struct RetentionTests {
    static let seeded = 100_000
    /// Seeded events are 0-28 or 31-89 days old (plus up to a day): none near the 30-day cutoff.
    static let seedDays = "CASE WHEN i % 88 < 29 THEN i % 88 ELSE i % 88 + 2 END"

    @Test func pruningKeepsRollupsAndReportsWhileTrafficIsServed() async throws {
        let fixture = try HubFixture(hubArguments: ["--prune-interval", "0.2", "--prune-batch", "500"])
        for name in ["u0", "u1", "u2"] { try fixture.admin(["users", "add", name]) }
        let traffic = try fixture.user("traffic", credits: "1000")
        #expect(try await AccountBillingTests.keyAccepted(fixture, traffic.key))
        let path = fixture.dataDir + "/hub.sqlite"
        try UsageSeed.insert(path, count: Self.seeded, days: Self.seedDays)

        let cutoff = Date().addingTimeInterval(-30 * 86_400)
        let old = try await fixture.database().read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_events WHERE created_at < ?", arguments: [cutoff]) ?? 0
        }
        #expect(old > 60_000)
        let months = try await fixture.database().read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT substr(day, 1, 7) FROM usage_daily ORDER BY 1")
        }
        #expect(months.count >= 3)
        let reportsBefore = try Self.reports(fixture, months)
        let rollupsBefore = try Self.rollups(fixture, except: traffic.id)
        let eventsByMonthBefore = try Self.eventsByMonth(fixture)
        let pagesBefore = try Self.pages(fixture)

        // Traffic all along, one request after another.
        let trafficTask = Task { () -> [(status: Int, at: Date)] in
            var results: [(status: Int, at: Date)] = []
            while !Task.isCancelled {
                do {
                    let reply = try await TestHTTP.post(fixture.baseURL + "/chat/completions", key: traffic.key,
                                                        body: TestHTTP.chatBody())
                    results.append((reply.status, Date()))
                } catch {
                    if !Task.isCancelled { results.append((0, Date())) }
                }
            }
            return results
        }
        let setAt = Date()
        try fixture.admin(["retention", "set", "30"])
        let pruned = try await fixture.eventually(180) {
            try fixture.database().read { db in
                let left = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_events WHERE created_at < ?", arguments: [cutoff])
                let total = try Int.fetchOne(db, sql: "SELECT pruned_total FROM retention")
                let free = try Int.fetchOne(db, sql: "PRAGMA freelist_count")
                return left == 0 && total == old && free ?? 0 < 64
            }
        }
        let prunedAt = Date()
        #expect(pruned, "hub log:\n\(fixture.hub.log)")
        trafficTask.cancel()
        let results = await trafficTask.value
        #expect(results.allSatisfy { $0.status == 200 }, "\(results.filter { $0.status != 200 }.prefix(5))")
        let duringPruning = results.filter { $0.at > setAt && $0.at < prunedAt }.count
        #expect(duringPruning >= 5, "only \(duringPruning) requests were served while the hub pruned")
        let servedEvents = try await fixture.eventually(30) {
            try fixture.database().read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_events WHERE user_id = ? AND status = 200",
                                 arguments: [traffic.id]) ?? 0
            } >= results.count
        }
        #expect(servedEvents)

        // The raw events of the old months are gone, and every rollup and report is as it was.
        let eventsByMonthAfter = try Self.eventsByMonth(fixture)
        #expect(eventsByMonthAfter[months[0]] == nil)
        #expect((eventsByMonthAfter[months[1]] ?? 0) < (eventsByMonthBefore[months[1]] ?? 0))
        #expect(try Self.rollups(fixture, except: traffic.id) == rollupsBefore)
        let reportsAfter = try Self.reports(fixture, months)
        let current = String(UsageRollup.day(Date()).prefix(7))
        for (name, before) in reportsBefore.sorted(by: { $0.key < $1.key }) {
            let after = try #require(reportsAfter[name])
            if name.hasPrefix(current) {
                // This month also holds the traffic (user `traffic`, no team): the other rows are unchanged.
                let changed: Set<String> = name.hasSuffix("user") ? ["traffic"] : name.hasSuffix("team") ? [""] : []
                if name.hasSuffix("model") { continue }
                #expect(after.rows.filter { !changed.contains($0.key) } == before.rows.filter { !changed.contains($0.key) }, "\(name)")
            } else {
                #expect(after == before, "\(name)")
            }
        }
        let status = try HubJSON.decoder().decode(RetentionStatus.self, from: Data(try fixture.admin(["retention", "show", "--json"]).utf8))
        #expect(status.days == 30)
        #expect(status.prunedTotal == Int64(old))
        #expect(status.incrementalVacuum)

        // The file gave the space back: incremental vacuum returned the freed pages (2/3 of the events went;
        // without the vacuum the page count stays where it was).
        let pagesAfter = try Self.pages(fixture)
        #expect(Double(pagesAfter.count) < 0.6 * Double(pagesBefore.count), "pages \(pagesBefore.count) → \(pagesAfter.count)")
        fixture.hub.stop()
        let fileSize = UsageRetentionFiles.size(path)
        #expect(fileSize <= Int64(pagesAfter.count + 512) * Int64(pagesAfter.size),
                "hub.sqlite is \(fileSize) bytes after pruning, \(pagesBefore.count * pagesBefore.size) before")
        #expect(try fixture.ledgerInvariantHolds())
    }

    /// Every month's chargeback report by team, user and model, by `YYYY-MM by`.
    static func reports(_ fixture: HubFixture, _ months: [String]) throws -> [String: ChargebackReport] {
        var reports: [String: ChargebackReport] = [:]
        for month in months {
            for by in ["team", "user", "model"] {
                let json = try fixture.admin(["report", "chargeback", "--month", month, "--by", by, "--json"])
                reports["\(month) \(by)"] = try HubJSON.decoder().decode(ChargebackReport.self, from: Data(json.utf8))
            }
        }
        return reports
    }

    /// Every row of the daily and hourly rollups, but those of `user` (the live traffic).
    static func rollups(_ fixture: HubFixture, except user: Int64) throws -> [[DatabaseValue]] {
        try fixture.database().read { db in
            try ["usage_daily", "usage_hourly"].flatMap { table in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table) WHERE user_id != ? ORDER BY 1, 2, 3, 4, 5", arguments: [user])
                    .map { Array($0.databaseValues) }
            }
        }
    }

    static func eventsByMonth(_ fixture: HubFixture) throws -> [String: Int] {
        try fixture.database().read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: """
                SELECT substr(created_at, 1, 7) AS month, COUNT(*) AS n FROM usage_events GROUP BY 1
                """).map { ($0["month"], $0["n"]) })
        }
    }

    static func pages(_ fixture: HubFixture) throws -> (count: Int, size: Int) {
        try fixture.database().read { db in
            (try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0, try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
        }
    }
}

enum UsageRetentionFiles {
    static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
