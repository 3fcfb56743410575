import Foundation
import HubCore
import NIOCore
import Testing
@testable import HubGateway

/// The edge's pure parts: connection deadlines, bounded metric series, refusal sampling.
@Suite struct EdgeUnitTests {
    let timeouts = ConnectionTimeouts(header: .seconds(10), body: .seconds(60), idle: .seconds(75))

    @Test func connectionDeadlinesFollowTheRequest() async {
        let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var phase = ConnectionPhase(timeouts: timeouts, now: t0)
        #expect(phase.deadline?.kind == .idle && phase.deadline?.at == t0 + .seconds(75))
        let t1 = t0 + .seconds(5)
        phase.bytesArrived(now: t1)
        #expect(phase.deadline?.kind == .header && phase.deadline?.at == t1 + .seconds(10))
        // More bytes of the same head do not move the header deadline.
        phase.bytesArrived(now: t1 + .seconds(9))
        #expect(phase.deadline?.at == t1 + .seconds(10))
        let t2 = t1 + .seconds(1)
        phase.headRead(now: t2)
        #expect(phase.deadline?.kind == .body && phase.deadline?.at == t2 + .seconds(60))
        phase.endRead(now: t2 + .seconds(1))
        #expect(phase.deadline == nil, "no client deadline while the hub answers")
        let t3 = t2 + .seconds(300)
        phase.responseEnded(now: t3)
        #expect(phase.deadline?.kind == .idle && phase.deadline?.at == t3 + .seconds(75))
    }

    @Test func anEarlyAnswerKeepsTheBodyDeadline() async {
        let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var phase = ConnectionPhase(timeouts: timeouts, now: t0)
        phase.bytesArrived(now: t0)
        phase.headRead(now: t0)
        phase.responseEnded(now: t0 + .seconds(1))   // a 401 before the body
        #expect(phase.deadline?.kind == .body && phase.deadline?.at == t0 + .seconds(60))
        phase.endRead(now: t0 + .seconds(2))
        #expect(phase.deadline?.kind == .idle)
    }

    @Test func metricSeriesAreBoundedAndKeepTheBusiest() async {
        let metrics = GatewayMetrics(maxSeries: 10)
        func event(_ model: String) -> UsageEvent {
            UsageEvent(requestId: UUID().uuidString, userId: 1, apiKeyId: 1, providerId: 1, model: model, status: 200)
        }
        await metrics.record((0..<50).map { _ in event("busy") })
        for index in 0..<1_000 { await metrics.record([event("once-\(index)")]) }
        #expect(await metrics.seriesCount <= 21)
        let text = await metrics.render(providerName: { _ in "p" }, inFlight: 0, pendingUsage: 0)
        #expect(text.contains(#"model="busy",status="200"} 50"#))
        #expect(text.contains(#"model="other""#))
        // Nothing is lost in the fold: every request is counted under one label or another.
        let total = text.split(separator: "\n").filter { $0.hasPrefix("aigne_hub_requests_total{") }
            .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        #expect(total == 1_050)
    }

    @Test func refusalsAreSampledAtMostOncePerInterval() async {
        let rows = RowCounter()
        let sampler = RefusalSampler(interval: .seconds(3_600)) { _, error in rows.add(error) }
        for _ in 0..<1_000 { sampler.refused(.unauthorized("incorrect API key provided")) }
        #expect(rows.texts.count == 1)
        let fast = RefusalSampler(interval: .zero) { _, error in rows.add(error) }
        fast.refused(.unauthorized("x"))
        #expect(rows.texts.count == 2)
    }
}

private final class RowCounter: @unchecked Sendable {
    // @unchecked: the samplers above call `add` synchronously on the test's own task; the lock is for form.
    private let lock = NSLock()
    private(set) var texts: [String] = []
    func add(_ text: String) { lock.lock(); texts.append(text); lock.unlock() }
}
