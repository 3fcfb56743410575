import Foundation
import HubCore
import Hummingbird
import NIOCore

extension Gateway {
    /// The HTTP API: OpenAI's endpoints under `/v1` behind the key check, and `/healthz`.
    /// `/metrics` is not here: it has its own listener (``metricsRouter()``).
    func router() -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}")))
        }
        let api = router.group("v1").add(middleware: APIKeyMiddleware(
            config: config, counters: edge, sampler: refusals, maxBodyBytes: options.maxBodyBytes, governance: governance))
        api.post("chat/completions") { request, context in await self.complete(request, context: context, endpoint: .chat) }
        api.post("embeddings") { request, context in await self.complete(request, context: context, endpoint: .embeddings) }
        api.get("models") { _, _ in self.models() }
        // Further route collections register here, one line each (their own middleware if any).
        addBillingRoutes(to: router, api: api)
        return router
    }

    /// The metrics listener's routes: `/metrics` (revenue and margin: never on the API port).
    func metricsRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/metrics") { _, _ in
            let snapshot = self.config.snapshot
            let text = await self.metrics.render(providerName: { snapshot.providerName($0) }, inFlight: self.inFlight(),
                                                 pendingUsage: await self.writer.pendingCount)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(string: text + self.edge.render())))
        }
        return router
    }

    /// `GET /v1/models`: the priced models of enabled providers as `provider/model`, with the hub's
    /// price per million tokens (in credits) and the model type.
    func models() -> Response {
        let snapshot = config.snapshot
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
