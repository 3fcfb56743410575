import Foundation
import HubAdmin
import HubCore
import Testing

/// Drains a subscription in the background; tests wait for what they expect, with a deadline so
/// that a missing notification fails the test instead of hanging it.
actor NotificationRecorder {
    private var seen: [HubNotification] = []
    private var ended = false
    private var task: Task<Void, Never>?

    static func start(_ stream: AsyncThrowingStream<HubNotification, any Error>) async -> NotificationRecorder {
        let recorder = NotificationRecorder()
        let task = Task {
            do {
                for try await notification in stream { await recorder.append(notification) }
            } catch {}
            await recorder.end()
        }
        await recorder.keep(task)
        return recorder
    }

    private func append(_ notification: HubNotification) { seen.append(notification) }
    private func end() { ended = true }
    private func keep(_ task: Task<Void, Never>) { self.task = task }

    /// Everything seen once `condition` holds (polled); records an issue if the stream ends or
    /// 30 s pass first.
    func wait(for condition: ([HubNotification]) -> Bool) async throws -> [HubNotification] {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition(seen) {
            if ended || ContinuousClock.now > deadline {
                Issue.record("gave up waiting after \(seen.count) notifications (stream ended: \(ended))")
                return seen
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return seen
    }

    /// Cancels the subscription.
    func stop() { task?.cancel() }
}

extension [HubNotification] {
    var usageIDs: [Int64] { compactMap { if case .usage(let e) = $0 { e.id } else { nil } } }
    var ledgerIDs: [Int64] { compactMap { if case .ledger(let e) = $0 { e.id } else { nil } } }
    var configActions: [String] { compactMap { if case .config(let e) = $0 { e.action } else { nil } } }
    var stats: [LiveStats] { compactMap { if case .stats(let s) = $0 { s } else { nil } } }
}

@Suite("usage.subscribe")
struct SubscriptionTests {
    @Test("events, ledger and config changes arrive in order, with stats ticks", arguments: Endpoint.allCases)
    func deliversInOrder(_ endpoint: Endpoint) async throws {
        try await withConnection(endpoint, inFlight: { 3 }) { connection, hub in
            let recorder = await NotificationRecorder.start(try await connection.subscribe())
            _ = try await connection.call(Admin.UsersAdd(name: "alice"))
            for round in 1...3 {
                _ = try await connection.call(Admin.UsersGrant(user: "alice", amount: Amount(nanos: Int64(round) * 1_000_000_000), reason: "round \(round)"))
            }
            let inserted = try await hub.writeUsage(25, userId: 1) + hub.writeUsage(25, userId: 1)
            let seen = try await recorder.wait { seen in
                seen.usageIDs.count >= 50 && seen.ledgerIDs.count >= 3 && seen.configActions.count >= 4 && !seen.stats.isEmpty
            }
            await recorder.stop()
            #expect(seen.usageIDs == inserted)
            #expect(seen.ledgerIDs == [1, 2, 3])
            #expect(seen.configActions == ["users.add", "users.grant", "users.grant", "users.grant"])
            #expect(seen.stats.allSatisfy { $0.inFlight == (endpoint == .socket ? 3 : nil) })
        }
    }

    @Test("a slow subscriber is dropped with a notice while another keeps receiving everything")
    func slowSubscriberIsDropped() async throws {
        try await withServer(configure: { $0.subscriberQueueBytes = 1 << 20 }) { hub, server in
            let fast = await NotificationRecorder.start(try await HubConnections.socket(server.path).subscribe())
            try await LineSession.with(server.path) { slow in
                let ack = try #require(try await slow.exchange(#"{"jsonrpc":"2.0","id":1,"method":"usage.subscribe"}"#))
                #expect(ack["result"]?["ok"] == .bool(true))
                // The slow subscriber now reads nothing while the gateway writes bursts of 1,000
                // events (about 0.5 MB of notifications each) that the fast subscriber keeps up with,
                // until the hub has dropped the slow one.
                let status = HubConnections.socket(server.path)
                var inserted: [Int64] = []
                var received: [Int64] = []
                var bursts = 0
                while try await status.call(Admin.HubStatus()).subscribers == 2, bursts < 100 {
                    inserted += try hub.insertUsage(1_000)
                    received = try await fast.wait { $0.usageIDs.count >= inserted.count }.usageIDs
                    bursts += 1
                }
                #expect(bursts < 100, "the slow subscriber was never dropped")
                #expect(received == inserted, "the fast subscriber missed or reordered events")
                // Now the slow one reads: what was queued for it, then the notice, then the end.
                var last: String?
                while let line = try await slow.nextLine() { last = line }
                let notice = try #require(last.map { try JSONValue.parse(Data($0.utf8)) })
                #expect(notice["method"] == .string("subscription.dropped"))
                #expect(notice["params"]?["reason"] != nil)
            }
            // The hub answers, and the fast subscriber is still subscribed.
            let status = try await HubConnections.socket(server.path).call(Admin.HubStatus())
            #expect(status.subscribers == 1)
            await fast.stop()
        }
    }

    @Test("usage.unsubscribe stops the notifications; the connection stays usable")
    func unsubscribe() async throws {
        try await withServer { hub, server in
            try await LineSession.with(server.path) { session in
                _ = try await session.exchange(#"{"jsonrpc":"2.0","id":1,"method":"usage.subscribe"}"#)
                let ids = try hub.insertUsage(2)
                var usage: [JSONValue] = []
                while usage.count < 2, let line = try await session.nextLine() {
                    let message = try JSONValue.parse(Data(line.utf8))
                    if message["method"] == .string("usage.event") { usage.append(message) }
                }
                #expect(usage.map { $0["params"]?["id"] } == ids.map { .integer($0) })
                let off = try #require(try await session.exchange(#"{"jsonrpc":"2.0","id":2,"method":"usage.unsubscribe"}"#))
                #expect(off["id"] == .integer(2))
                _ = try hub.insertUsage(2)
                try await Task.sleep(for: .milliseconds(300))   // several poll intervals: nothing may follow
                let next = try #require(try await session.exchange(#"{"jsonrpc":"2.0","id":3,"method":"hub.status"}"#))
                #expect(next["id"] == .integer(3))
                #expect(next["result"]?["subscribers"] == .integer(0))
            }
        }
    }

    @Test("a summary subscription counts every event in its stats but is sent only a sample of them", arguments: Endpoint.allCases)
    func summaryIsStatsAndASample(_ endpoint: Endpoint) async throws {
        try await withConnection(endpoint) { connection, hub in
            let summary = await NotificationRecorder.start(try await connection.subscribe(.summary(tailPerSecond: 5)))
            let everything = await NotificationRecorder.start(try await connection.subscribe())
            _ = try await connection.call(Admin.UsersAdd(name: "alice"))
            _ = try await connection.call(Admin.UsersGrant(user: "alice", amount: Amount(units: 1), reason: "r"))
            let inserted = try await hub.writeUsage(2_000, userId: 1)
            _ = try await everything.wait { $0.usageIDs.count >= inserted.count }
            // The stats count all 2,000 calls (200/s over the 10 s window) once a tick comes after them.
            let seen = try await summary.wait { seen in
                seen.stats.contains { $0.requestsPerSecond * LiveStats.window >= 2_000 } && seen.configActions.count >= 2
            }
            await summary.stop()
            await everything.stop()
            let ticks = seen.stats.count
            #expect(!seen.usageIDs.isEmpty && seen.usageIDs.count <= 5 * (ticks + 1), "\(seen.usageIDs.count) events in \(ticks) ticks")
            #expect(Set(seen.usageIDs).isSubset(of: Set(inserted)))
            #expect(seen.ledgerIDs.isEmpty, "no ledger entries in a summary")
            #expect(seen.configActions == ["users.add", "users.grant"])
            let last = try #require(seen.stats.last { $0.requestsPerSecond * LiveStats.window >= 2_000 })
            #expect(last.byUser["1"]?.requests == 2_000)
            #expect(abs(last.errorRate - 0.1) < 1e-9, "every tenth insertUsage call fails")
        }
    }

    @Test("usage.subscribe refuses params it does not know, and keeps the connection")
    func subscribeParamsAreChecked() async throws {
        try await withServer { _, server in
            try await LineSession.with(server.path) { session in
                for (params, message) in [(#"{"events":"some"}"#, #"usage.subscribe: events must be "all" or "sample", not "some""#),
                                          (#"{"events":"sample","tail_per_second":5000}"#, "usage.subscribe: tail_per_second must be 0 to 1000, not 5000"),
                                          (#"{"tail":1}"#, "usage.subscribe: unknown parameter 'tail' (it takes events, tail_per_second)")] {
                    let answer = try #require(try await session.exchange(#"{"jsonrpc":"2.0","id":1,"method":"usage.subscribe","params":"# + params + "}"))
                    #expect(answer["error"]?["message"] == .string(message))
                }
                let ok = try #require(try await session.exchange(#"{"jsonrpc":"2.0","id":2,"method":"usage.subscribe","params":{"events":"sample"}}"#))
                #expect(ok["result"]?["ok"] == .bool(true))
            }
        }
    }
}
