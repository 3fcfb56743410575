import AsyncHTTPClient
import Foundation
import HubCore
import Logging
import NIOCore
import ServiceLifecycle

/// Delivers the outbox's notices: claims what is due (a lease keeps other hub processes off it),
/// POSTs each signed (`X-Signature: sha256=HMAC(body)`, `X-AIGNE-Hub-Notice-Id`), and records the
/// answer; a failure is retried with backoff. The outbox is in the database, so a restart loses nothing.
struct NoticeDeliverer: Service {
    let store: HubStore
    let sealer: SecretSealer
    let interval: Duration
    let logger: Logger

    static let noticeIdHeader = "X-AIGNE-Hub-Notice-Id"
    static let noticeTypeHeader = "X-AIGNE-Hub-Notice-Type"

    func run() async throws {
        // Its own client, made here and shut down here: an endpoint that is down must fail an attempt
        // fast (a refused connection is otherwise retried until the request's deadline).
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(10))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let due = try await Outbox.due(store)
                await withTaskGroup(of: Void.self) { group in
                    for delivery in due { group.addTask { await deliver(delivery, client) } }
                }
                if !due.isEmpty { continue }   // more may be waiting
            } catch {
                logger.error("cannot read the notice outbox: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        try? await client.shutdown()
    }

    private func deliver(_ delivery: Outbox.Delivery, _ client: HTTPClient) async {
        let id = delivery.entry.id ?? 0
        let outcome: (status: Int?, error: String?)
        do {
            let secret = try sealer.unseal(delivery.sealedSecret)
            let body = Data(delivery.entry.payload.utf8)
            var request = HTTPClientRequest(url: delivery.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "X-Signature", value: WebhookSignature.genericHeader(payload: body, secret: secret))
            request.headers.add(name: Self.noticeIdHeader, value: delivery.entry.noticeId)
            request.headers.add(name: Self.noticeTypeHeader, value: delivery.entry.kind)
            request.body = .bytes(ByteBuffer(data: body))
            let response = try await client.execute(request, timeout: .seconds(12))
            _ = try? await response.body.collect(upTo: 64 << 10)
            let status = Int(response.status.code)
            outcome = (status, (200..<300).contains(status) ? nil : "HTTP \(status)")
        } catch {
            outcome = (nil, "\(error)")
        }
        do {
            try await Outbox.record(id, status: outcome.status, error: outcome.error, store)
        } catch {
            logger.error("cannot record notice delivery: \(error)")
        }
    }
}
