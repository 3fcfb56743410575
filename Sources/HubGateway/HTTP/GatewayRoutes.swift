import Foundation
import HubCore
import Hummingbird
import NIOCore

extension Gateway {
    /// The HTTP API: OpenAI's endpoints under `/v1`, plus `/healthz` and `/metrics`.
    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/v1/chat/completions") { request, _ in await self.complete(request, endpoint: .chat) }
        router.post("/v1/embeddings") { request, _ in await self.complete(request, endpoint: .embeddings) }
        router.get("/v1/models") { request, _ in self.models(request) }
        addBillingRoutes(to: router)
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}")))
        }
        router.get("/metrics") { _, _ in
            let snapshot = self.config.snapshot
            let text = await self.metrics.render(providerName: { snapshot.providerName($0) }, inFlight: self.inFlight(),
                                                 pendingUsage: await self.writer.pendingCount)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        return router
    }

    /// `GET /v1/models`: the priced models of enabled providers as `provider/model`, with the hub's
    /// price per million tokens (in credits) and the model type.
    func models(_ request: Request) -> Response {
        let snapshot = config.snapshot
        guard let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer "),
              let owner = snapshot.catalog.keyOwner(secret: String(authorization.dropFirst(7))), !owner.revoked else {
            return APIError.unauthorized("incorrect or missing API key").response
        }
        guard snapshot.catalog.users[owner.userId]?.status == .active else {
            return APIError.forbidden("the account is suspended").response
        }
        let created = Int(Date().timeIntervalSince1970)
        let rates = snapshot.catalog.rates.filter { snapshot.providersById[$0.providerId]?.enabled == true }
            .sorted { (snapshot.providerName($0.providerId), $0.model) < (snapshot.providerName($1.providerId), $1.model) }
        let data: [[String: Any]] = rates.map { rate in
            let provider = snapshot.providerName(rate.providerId)
            return [
                "id": "\(provider)/\(rate.model)", "object": "model", "created": created, "owned_by": provider,
                "type": rate.type.rawValue,
                "pricing": ["unit": "credits per 1M tokens", "input": rate.inputRate.description,
                            "output": rate.outputRate.description, "image": rate.imageRate.description],
            ]
        }
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: Adapters.json(["object": "list", "data": data])))
    }
}
