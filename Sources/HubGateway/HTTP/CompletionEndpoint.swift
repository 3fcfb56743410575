import Foundation
import HubCore
import Hummingbird
import NIOCore

/// `POST /v1/chat/completions` and `POST /v1/embeddings`: authenticate, parse, resolve the model,
/// reserve credits, call upstream with failover, answer, meter.
extension Gateway {
    func complete(_ request: Request, endpoint: Endpoint) async -> Response {
        began()
        let meter = Meter(requestId: RequestID.make(), started: .now)
        let authorization = request.headers[.authorization]
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: options.maxBodyBytes)
        } catch {
            let failure = error is NIOTooManyBytesError
                ? APIError.tooLarge(options.maxBodyBytes) : APIError.badRequest("the request body could not be read")
            return await refuse(meter, failure)
        }
        // Hummingbird does not cancel a handler whose client went away, so the call runs to its end
        // and is metered and billed on what the upstream really did (streams: see StreamPump).
        return await serve(Data(body.readableBytesView), authorization: authorization, endpoint: endpoint, meter: meter)
    }

    private func serve(_ body: Data, authorization: String?, endpoint: Endpoint, meter: Meter) async -> Response {
        var meter = meter
        let snapshot = config.snapshot
        let chat: ChatRequest
        let candidates: [RouteCandidate]
        do {
            let userId = try authenticate(authorization, snapshot, meter: &meter)
            chat = try ChatRequest(body: body)
            meter.model = chat.model
            meter.streamed = chat.stream && endpoint == .chat
            candidates = try ModelResolver.resolve(chat.model, type: endpoint.modelType, in: snapshot)
            if snapshot.mode == .serviceProvider {
                meter.charges = true
                try await reserve(chat, endpoint: endpoint, candidates: candidates, userId: userId,
                                  snapshot: snapshot, meter: &meter)
            }
        } catch {
            return await refuse(meter, error)
        }
        let outcome = await callUpstream(chat, endpoint: endpoint, candidates: candidates, meter: &meter)
        let balance = await balanceBeforeCharge(meter)
        switch outcome {
        case .complete(let answer, let usage):
            meter.firstByte = .now
            if let usage {
                meter.usage = usage
            } else {
                meter.usage = TokenUsage(input: chat.promptEstimate, output: Int64(answer.readableBytes / 4))
                meter.usageSource = .estimated
            }
            await finish(meter, status: 200, error: nil)
            return withBalance(Response(status: .ok, headers: Self.headers(meter, contentType: "application/json"),
                                        body: .init(byteBuffer: answer)), balance, charge: meter.record(status: 200, error: nil).charge)
        case .stream(let first, let rest, let translator):
            return withBalance(stream(first: first, rest: rest, translator: translator, promptEstimate: chat.promptEstimate,
                                      meter: meter), balance, charge: meter.hold)
        case .rejected(let status, let message):
            let error = APIError(status: .init(code: status), message: message, type: "invalid_request_error",
                                 code: "upstream_rejected")
            return await refuse(meter, error)
        case .failed(let error):
            return await refuse(meter, error)
        }
    }

    /// Answers with an OpenAI error and meters the request as failed (nothing charged).
    func refuse(_ meter: Meter, _ error: any Error) async -> Response {
        let failure = error as? APIError ?? APIError.badGateway("internal error: \(error)")
        await finish(meter, status: Int(failure.status.code), error: failure.message)
        var response = failure.response
        response.headers[Self.requestIdHeader] = meter.requestId
        return response
    }

    private func authenticate(_ authorization: String?, _ snapshot: ConfigSnapshot, meter: inout Meter) throws(APIError) -> Int64 {
        guard let authorization, authorization.hasPrefix("Bearer ") || authorization.hasPrefix("bearer ") else {
            throw APIError.unauthorized("missing API key: send Authorization: Bearer <key>")
        }
        let secret = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard let owner = snapshot.catalog.keyOwner(secret: secret) else {
            throw APIError.unauthorized("incorrect API key provided")
        }
        meter.apiKeyId = owner.keyId
        meter.userId = owner.userId
        guard !owner.revoked else { throw APIError.unauthorized("this API key has been revoked") }
        guard let user = snapshot.catalog.users[owner.userId] else { throw APIError.unauthorized("the key's user no longer exists") }
        guard user.status == .active else { throw APIError.forbidden("the account '\(user.name)' is suspended") }
        return owner.userId
    }

    /// Reserves the request's maximum cost, the highest over the providers it may go to.
    private func reserve(_ chat: ChatRequest, endpoint: Endpoint, candidates: [RouteCandidate], userId: Int64,
                         snapshot: ConfigSnapshot, meter: inout Meter) async throws(APIError) {
        let output = endpoint == .chat ? (chat.maxTokens ?? options.defaultMaxTokens) : 0
        let worst = TokenUsage(input: chat.promptEstimate, output: output)
        let maxCost = candidates.map { $0.rate?.rate.cost(of: worst) ?? .zero }.max() ?? .zero
        guard maxCost.isPositive else { return }
        switch await credits.reserve(userId: userId, amount: maxCost) {
        case .granted:
            meter.hold = maxCost
        case .refused(let available):
            var message = "insufficient credits: this request may cost up to \(maxCost) credits and \(max(available, .zero)) are available"
            if let link = snapshot.settings.paymentLink, !link.isEmpty { message += "; buy credits at \(link)" }
            throw APIError.insufficientCredits(message)
        }
    }

    static let requestIdHeader = HTTPFields.Element.Name("x-request-id")!

    static func headers(_ meter: Meter, contentType: String) -> HTTPFields {
        var headers: HTTPFields = [.contentType: contentType]
        headers[requestIdHeader] = meter.requestId
        return headers
    }
}
