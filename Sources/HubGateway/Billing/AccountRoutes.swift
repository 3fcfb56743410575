import Foundation
import HubCore
import Hummingbird
import NIOCore

/// The user's side of billing, with their API key: `GET /v1/billing/balance` and
/// `POST /v1/billing/redeem` (`{"code": "AHR-…"}`), and the balance headers of charged answers.
extension Gateway {
    static let balanceHeader = HTTPFields.Element.Name("x-aigne-hub-balance")!
    static let balanceLowHeader = HTTPFields.Element.Name("x-aigne-hub-balance-low")!

    func addAccountRoutes(to api: RouterGroup<GatewayRequestContext>) {
        api.get("billing/balance") { _, context in await self.balance(context) }
        api.post("billing/redeem") { request, context in await self.redeem(request, context) }
    }

    /// A charged request's balance, captured while its hold is still open (after the upstream
    /// answered, before its usage is handed to the writer): what the user has besides this request.
    struct BalanceBeforeCharge: Sendable {
        var available: Amount
        var hold: Amount
        var threshold: Amount
    }

    /// Call between the upstream's answer and `finish`/`stream` (the writer may settle the request
    /// at any moment after that). Nil when the request is not charged.
    func balanceBeforeCharge(_ meter: Meter) async -> BalanceBeforeCharge? {
        guard meter.charges, let userId = meter.userId else { return nil }
        let account = await credits.account(userId)
        let hold = meter.reservation?.amount ?? .zero
        return BalanceBeforeCharge(available: Amount(nanos: account.balance.nanos &- account.held.nanos &+ hold.nanos), hold: hold,
                                   threshold: config.snapshot.settings.lowBalanceThreshold)
    }

    /// `response` with the headers every charged answer carries: `x-aigne-hub-balance`, the credits
    /// the user has for their next request once `charge` is taken (every other open hold deducted),
    /// and `x-aigne-hub-balance-low: true` under the low-balance threshold. A stream passes its hold
    /// as the charge (its real cost is known only at its end): the figure is then a floor.
    func withBalance(_ response: Response, _ before: BalanceBeforeCharge?, charge: Amount) -> Response {
        guard let before else { return response }
        // A request is never charged above its hold (the usage writer caps it the same way).
        let after = Amount(nanos: before.available.nanos &- min(charge, before.hold).nanos)
        var response = response
        response.headers[Self.balanceHeader] = after.description
        if AccountSummary.isLow(after, threshold: before.threshold) { response.headers[Self.balanceLowHeader] = "true" }
        return response
    }

    private func balance(_ context: GatewayRequestContext) async -> Response {
        guard let caller = context.identity else { return APIError.unauthorized("missing API key").response }
        do {
            let summary = try await AccountSummary.of(userId: caller.userId, store)
            return Self.json(summary)
        } catch {
            return APIError(status: .internalServerError, message: "the balance cannot be read", type: "server_error",
                            code: "storage").response
        }
    }

    private func redeem(_ request: Request, _ context: GatewayRequestContext) async -> Response {
        guard let identity = context.identity else { return APIError.unauthorized("missing API key").response }
        let caller = (userId: identity.userId, name: config.snapshot.catalog.users[identity.userId]?.name ?? "#\(identity.userId)")
        struct Body: Decodable { var code: String }
        guard let data = try? await request.body.collect(upTo: 4_096),
              let body = try? JSONDecoder().decode(Body.self, from: Data(data.readableBytesView)) else {
            return APIError.badRequest("send {\"code\": \"…\"}", param: "code").response
        }
        do {
            let redemption = try await RedemptionCodes.redeem(body.code, userId: caller.userId, actor: "user \(caller.name) via api", store)
            return Self.json(redemption)
        } catch {
            let failure = error
            let status: HTTPResponse.Status = switch failure.code {
            case .notFound: .notFound
            case .failedPrecondition: .conflict
            case .invalidArgument: .badRequest
            default: .internalServerError
            }
            return APIError(status: status, message: failure.message, type: "invalid_request_error",
                            code: failure.code == .notFound ? "code_not_found" : "code_not_redeemable", param: "code").response
        }
    }

    private static func json(_ value: some Encodable) -> Response {
        let data = (try? HubJSON.encoder().encode(value)) ?? Data("{}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
