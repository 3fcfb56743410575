import Foundation
import HubCore
import Hummingbird
import NIOCore

/// One chat or embeddings call, from the caller's body to the answer: parse and bound the request
/// (model name, output limit, `n`, images, priced fields), resolve the route, hold its maximum cost
/// (``Reservation``), call the upstreams with the reserved limit written into the body, answer or
/// stream, and settle through the usage writer (charged its real cost, never above the hold).
struct CompletionService: Sendable {
    let gateway: Gateway
    let endpoint: Endpoint

    /// Runs the call of `body` for `caller` (already authenticated and admitted) and meters it.
    func run(_ body: ByteBuffer, caller: ClientIdentity, meter: Meter) async -> Response {
        var meter = meter
        let snapshot = gateway.config.snapshot
        let governance = gateway.governance
        var chat: ChatRequest
        let candidates: [RouteCandidate]
        do {
            chat = try ChatRequest(body: body)
            chat.defaultOutputLimit = gateway.options.defaultMaxTokens
            meter.model = chat.model
            meter.streamed = chat.stream && endpoint == .chat
            meter.images = endpoint == .chat ? chat.images : 0
            candidates = try governance.allowedCandidates(
                try ModelResolver.resolve(chat.model, type: endpoint.modelType, in: snapshot), requested: chat.model,
                identity: caller, snapshot: snapshot)
            if snapshot.mode == .serviceProvider {
                meter.charges = true
                let maxCost = try Self.bound(&chat, endpoint: endpoint, candidates: candidates)
                try governance.holdBudget(meter.requestId, identity: caller, amount: maxCost, snapshot: snapshot)
                if maxCost.isPositive {
                    meter.reservation = try await Reservation.hold(
                        meter, userId: caller.userId, amount: maxCost, credits: gateway.credits, writer: gateway.writer,
                        paymentLink: snapshot.settings.paymentLink)
                }
            } else if governance.hasBudget(caller, snapshot: snapshot) {
                let maxCost = Self.providerCostBound(&chat, endpoint: endpoint, candidates: candidates)
                try governance.holdBudget(meter.requestId, identity: caller, amount: maxCost, snapshot: snapshot)
            }
        } catch {
            return await gateway.refuse(meter, error)
        }
        let outcome = await gateway.callUpstream(chat, endpoint: endpoint, candidates: candidates, meter: &meter)
        let balance = await gateway.balanceBeforeCharge(meter)
        switch outcome {
        case .complete(let answer, let usage):
            meter.firstByte = .now
            if let usage {
                meter.usage = usage
            } else {
                meter.usage = TokenUsage(input: chat.promptEstimate, output: Int64(answer.readableBytes / 4))
                meter.usageSource = .estimated
            }
            await gateway.finish(meter, status: 200, error: nil)
            return gateway.withBalance(Response(status: .ok, headers: Gateway.headers(meter, contentType: "application/json"),
                                                body: .init(byteBuffer: answer)), balance, charge: meter.record(status: 200, error: nil).charge)
        case .stream(let first, let rest, let translator):
            return gateway.withBalance(gateway.stream(first: first, rest: rest, translator: translator,
                                                      promptEstimate: chat.promptEstimate, meter: meter),
                                       balance, charge: meter.reservation?.amount ?? .zero)
        case .rejected(let status, let message):
            let error = APIError(status: .init(code: status), message: message, type: "invalid_request_error",
                                 code: "upstream_rejected")
            return await gateway.refuse(meter, error)
        case .failed(let error):
            return await gateway.refuse(meter, error)
        case .lost(let error):
            // Accepted upstream, answer lost: free for the client, the worst case assumed as provider cost.
            let output = endpoint == .chat ? chat.effectiveOutputLimit * chat.choices : 0
            meter.usage = TokenUsage(input: chat.promptEstimate, output: output)
            meter.usageSource = .estimated
            meter.providerCostAssumed = true
            return await gateway.refuse(meter, error)
        }
    }

    /// Enterprise mode with a budget: the most the call may cost the provider (the budget's hold),
    /// with the output limit written into the request as in service-provider mode.
    static func providerCostBound(_ chat: inout ChatRequest, endpoint: Endpoint, candidates: [RouteCandidate]) -> Amount {
        var worst = TokenUsage(input: chat.promptEstimate)
        if endpoint == .chat {
            chat.outputLimit = chat.effectiveOutputLimit
            worst = TokenUsage(input: chat.promptEstimate, output: chat.effectiveOutputLimit * chat.choices, images: chat.images)
        }
        return candidates.map { $0.rate?.cost.cost(of: worst) ?? .zero }.max() ?? .zero
    }

    /// Bounds a priced call and returns its maximum cost, the highest over the providers it may go to:
    /// the estimated prompt, the output limit (the client's smallest, or the hub's default) for each of
    /// `n` choices, and the images at the model's image rate. The limit is written into the request,
    /// so that the upstream is told what the hold covers. Fields that change the upstream's price in
    /// ways the hold cannot cover are refused, as is any field outside OpenAI's known ones.
    static func bound(_ chat: inout ChatRequest, endpoint: Endpoint, candidates: [RouteCandidate]) throws(APIError) -> Amount {
        guard chat.pricedFields.isEmpty else {
            throw APIError.badRequest(
                "\(chat.pricedFields.joined(separator: ", ")) changes the provider's price and is not offered by this hub",
                param: chat.pricedFields.first.map { String($0.prefix { $0 != " " }) })
        }
        try chat.checkFields(allowed: endpoint == .chat ? ChatRequest.chatFields : ChatRequest.embeddingsFields)
        guard endpoint == .chat else {
            return candidates.map { $0.rate?.rate.cost(of: TokenUsage(input: chat.promptEstimate)) ?? .zero }.max() ?? .zero
        }
        // The Anthropic adapter forwards text only: an image would be charged and never seen.
        if chat.images > 0, let textOnly = candidates.first(where: { $0.provider.kind == .anthropic }) {
            throw APIError.badRequest("provider '\(textOnly.provider.name)' is reached through a text-only adapter: "
                                      + "requests with images are not accepted for it", param: "messages")
        }
        if chat.images > 0, let unpriced = candidates.first(where: { $0.rate.map { !$0.imageRate.isPositive } ?? false }) {
            throw APIError.badRequest(
                "model '\(unpriced.provider.name)/\(unpriced.upstreamModel)' has no image rate: requests with images cannot be priced",
                param: "messages")
        }
        let limit = chat.effectiveOutputLimit
        chat.outputLimit = limit
        let worst = TokenUsage(input: chat.promptEstimate, output: limit * chat.choices, images: chat.images)
        return candidates.map { $0.rate?.rate.cost(of: worst) ?? .zero }.max() ?? .zero
    }
}

/// `POST /v1/chat/completions` and `POST /v1/embeddings`, behind ``APIKeyMiddleware``: read the body
/// and run the call for the authenticated caller.
extension Gateway {
    func complete(_ request: Request, context: GatewayRequestContext, endpoint: Endpoint) async -> Response {
        began()
        var meter = Meter(requestId: RequestID.make(), started: .now)
        guard let identity = context.identity else {
            return await refuse(meter, APIError.unauthorized("missing API key: send Authorization: Bearer <key>"))
        }
        meter.apiKeyId = identity.keyId
        meter.userId = identity.userId
        meter.teamId = identity.teamId
        meter.permit = context.permit
        meter.createdAt = governance.clock.now()
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
        return await CompletionService(gateway: self, endpoint: endpoint).run(body, caller: identity, meter: meter)
    }

    /// Answers with an OpenAI error and meters the request as failed (nothing charged).
    func refuse(_ meter: Meter, _ error: any Error) async -> Response {
        let failure = error as? APIError ?? APIError.badGateway("internal error: \(error)")
        await finish(meter, status: Int(failure.status.code), error: failure.message)
        var response = failure.response
        response.headers[Self.requestIdHeader] = meter.requestId
        if let permit = meter.permit { response.headers.append(rateHeaders: permit.headers) }
        return response
    }

    static let requestIdHeader = HTTPFields.Element.Name("x-request-id")!

    /// The headers of every answer (plain and streamed): add a response header here.
    static func headers(_ meter: Meter, contentType: String) -> HTTPFields {
        var headers: HTTPFields = [.contentType: contentType]
        headers[requestIdHeader] = meter.requestId
        if let permit = meter.permit { headers.append(rateHeaders: permit.headers) }
        return headers
    }
}
