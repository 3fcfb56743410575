import HubCore
import Synchronization

/// The credits held for one request, from reserve to settle.
///
/// ``hold(_:amount:credits:writer:)`` reserves the amount in memory (so concurrent requests of this
/// node cannot spend it twice) and then durably (a `holds` row, committed by the usage writer's next
/// batch, which the database admits only if the balance less every node's open holds covers it)
/// before the request may go upstream. It is settled by the request's usage record: the meter that
/// carries it hands it over (``handOver()``) into the record, and the writer charges at most the
/// held amount, deletes the row and releases the memory hold in one batch. A reservation dropped
/// without being handed over (a path that forgot) settles itself as a failed, uncharged request.
final class Reservation: Sendable {
    let requestId: String
    let userId: Int64
    let apiKeyId: Int64?
    let model: String
    let amount: Amount
    private let writer: UsageWriter
    private let handedOver = Atomic<Bool>(false)

    private init(_ hold: HoldRecord, writer: UsageWriter) {
        requestId = hold.requestId
        userId = hold.userId
        apiKeyId = hold.apiKeyId
        model = hold.model
        amount = hold.amount
        self.writer = writer
    }

    /// Holds `amount` for the request of `meter`'s user, or throws the 402 (or 503) the client gets.
    static func hold(_ meter: Meter, userId: Int64, amount: Amount, credits: CreditBook, writer: UsageWriter,
                     paymentLink: String?) async throws(APIError) -> Reservation {
        switch await credits.reserve(userId: userId, amount: amount) {
        case .granted:
            break
        case .refused(let available):
            throw insufficient(amount, available: available, paymentLink: paymentLink)
        }
        let record = HoldRecord(requestId: meter.requestId, userId: userId, apiKeyId: meter.apiKeyId, model: meter.model,
                                amount: amount, runId: writer.runId)
        switch await writer.hold(record) {
        case .written:
            return Reservation(record, writer: writer)
        case .refused(let available):
            // Another node's holds or charges took the credits this node's memory still counted.
            await credits.release(userId: userId, amount: amount)
            throw insufficient(amount, available: available, paymentLink: paymentLink)
        case .failed:
            await credits.release(userId: userId, amount: amount)
            throw APIError.unavailable("the hub cannot record this request's hold right now; try again")
        }
    }

    /// The 402 of a request whose hold cannot be covered.
    private static func insufficient(_ amount: Amount, available: Amount, paymentLink: String?) -> APIError {
        var message = "insufficient credits: this request may cost up to \(amount) credits and \(max(available, .zero)) are available"
        if let paymentLink, !paymentLink.isEmpty { message += "; buy credits at \(paymentLink)" }
        return APIError.insufficientCredits(message)
    }

    /// The held amount, for the usage record that settles it; nil if it was handed over before.
    func handOver() -> Amount? {
        handedOver.exchange(true, ordering: .acquiringAndReleasing) ? nil : amount
    }

    deinit {
        guard !handedOver.load(ordering: .acquiring) else { return }
        let event = UsageEvent(requestId: requestId, userId: userId, apiKeyId: apiKeyId, providerId: nil, model: model,
                               status: 500, error: "internal: the request ended without settling its hold")
        let record = UsageRecord(event: event, charge: .zero, hold: amount)
        let writer = self.writer
        Task { await writer.submit(record) }
    }
}
