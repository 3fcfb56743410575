import Foundation
import HubCore
import Hummingbird
import Logging
import NIOCore

/// `POST /v1/billing/webhooks/stripe` and `/v1/billing/webhooks/generic`: payment events from a
/// processor, signature checked, applied exactly once (docs/billing.md).
///
/// Answers: 200 with what was done (`applied`, `pending`, `duplicate`, `ignored`) — a processor
/// stops retrying; 400 for a bad, stale or unknown signature or a body that is not an event — nothing
/// changed; 500 when the database could not take it — the processor retries later.
extension Gateway {
    static let webhookBodyLimit = 1 << 20
    static let stripeSignatureHeader = HTTPFields.Element.Name("stripe-signature")!
    static let genericSignatureHeader = HTTPFields.Element.Name("x-signature")!

    /// Every billing route: the webhooks on `router` (their signature is their authentication), the
    /// user's balance and redemptions on `api` (behind the API key check).
    func addBillingRoutes(to router: Router<GatewayRequestContext>, api: RouterGroup<GatewayRequestContext>) {
        addAccountRoutes(to: api)
        let intake = WebhookIntake(store: store, sealer: sealer)
        router.post("/v1/billing/webhooks/stripe") { request, _ in
            await Self.webhook(.stripe, request, signature: request.headers[Self.stripeSignatureHeader], intake, self.logger)
        }
        router.post("/v1/billing/webhooks/generic") { request, _ in
            await Self.webhook(.generic, request, signature: request.headers[Self.genericSignatureHeader], intake, self.logger)
        }
    }

    private static func webhook(_ processor: PaymentProcessor, _ request: Request, signature: String?,
                                _ intake: WebhookIntake, _ logger: Logger) async -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: webhookBodyLimit)
        } catch {
            return error is NIOTooManyBytesError
                ? APIError.tooLarge(webhookBodyLimit).response : APIError.badRequest("the request body could not be read").response
        }
        do {
            let receipt = try await intake.receive(processor, payload: Data(body.readableBytesView), signature: signature)
            logger.info("payment webhook", metadata: [
                "processor": "\(processor.rawValue)", "outcome": "\(receipt.outcome.rawValue)",
                "payment": "\(receipt.payment?.id.map(String.init) ?? "-")",
            ])
            var answer: [String: Any] = ["received": true, "outcome": receipt.outcome.rawValue]
            if let id = receipt.payment?.id { answer["payment"] = id }
            if let note = receipt.note { answer["note"] = note }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: Adapters.json(answer)))
        } catch {
            logger.warning("payment webhook refused", metadata: ["processor": "\(processor.rawValue)", "error": "\(error.message)"])
            switch error.code {
            case .permissionDenied:
                return APIError(status: .badRequest, message: error.message, type: "invalid_request_error",
                                code: "invalid_signature").response
            case .invalidArgument:
                return APIError(status: .badRequest, message: error.message, type: "invalid_request_error",
                                code: "invalid_event").response
            default:
                return APIError(status: .internalServerError, message: error.message, type: "server_error",
                                code: error.code.rawValue).response
            }
        }
    }
}
