import Foundation
import HubCore

/// What the gateway learns about one request as it goes, turned into its usage event at the end.
struct Meter: Sendable {
    let requestId: String
    let started: ContinuousClock.Instant
    var createdAt = Date()
    var userId: Int64?
    var apiKeyId: Int64?
    /// The team the key spends for (recorded on the usage event as it is now).
    var teamId: Int64?
    /// The call's rate-limit slots: freed, with its tokens counted, when it finishes.
    var permit: RatePermit?
    var providerId: Int64?
    /// The credential of the last upstream attempt (none for keyless providers), and of the failed
    /// attempt before it, if the call failed over.
    var credentialId: Int64?
    var failedCredentialId: Int64?
    /// The errors of upstream attempts that failed, by credential (their `last_error`).
    var credentialErrors: [Int64: String] = [:]
    var model = ""
    var streamed = false
    var firstByte: ContinuousClock.Instant?
    var usage = TokenUsage()
    var usageSource = UsageSource.upstream
    var rate: ModelRate?
    /// Whether the request is charged (service-provider mode, successful, priced).
    var charges = false
    /// Image inputs, priced at the model's image rate on top of the tokens.
    var images: Int64 = 0
    /// The credits held for the request, if any: settled by the usage record made from this meter.
    var reservation: Reservation?
    /// The upstream accepted the call and its answer was lost: its provider cost (at `usage`) is
    /// recorded although the request failed, because the upstream may well have billed it.
    var providerCostAssumed = false

    init(requestId: String, started: ContinuousClock.Instant) {
        self.requestId = requestId
        self.started = started
    }

    /// Notes an upstream attempt that failed with `credentialId` (nothing for keyless providers).
    mutating func attemptFailed(credentialId: Int64?, _ error: String) {
        if let credentialId { credentialErrors[credentialId] = error }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
    }

    /// The usage record of the request, finished now with `status` and `error` (its hold is settled only
    /// by the record that ``Gateway/finish(_:status:error:)`` hands to the writer).
    func record(status: Int, error: String?) -> UsageRecord {
        let now = ContinuousClock.now
        let success = status < 400 || (streamed && firstByte != nil)
        var usage = usage
        usage.images = images
        let cost = rate.map { $0.cost.cost(of: usage) } ?? .zero
        let charge = charges && success ? (rate.map { $0.rate.cost(of: usage) } ?? .zero) : .zero
        var event = UsageEvent(
            requestId: requestId, userId: userId, apiKeyId: apiKeyId, providerId: providerId, model: model,
            tokensIn: usage.input, tokensOut: usage.output, tokensCached: usage.cachedInput,
            providerCost: success || providerCostAssumed ? cost : .zero, creditsCharged: .zero,
            latencyMs: Self.milliseconds(now - started), ttfbMs: firstByte.map { Self.milliseconds($0 - started) },
            status: status, error: error.map { String($0.prefix(1_000)) }, usageSource: usageSource,
            streamed: streamed, createdAt: createdAt)
        event.credentialId = credentialId
        event.failedCredentialId = failedCredentialId
        event.teamId = teamId
        return UsageRecord(event: event, charge: charge, hold: reservation?.amount)
    }
}

/// Request ids: `req_` and 24 random hex digits.
enum RequestID {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt32
        return "req_" + hex(high, 16) + hex(UInt64(low), 8)
    }

    private static func hex(_ value: UInt64, _ digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: digits - text.count) + text
    }
}
