import AsyncHTTPClient
import Foundation
import HubCore
import NIOCore

/// What came back from the upstreams for one request, after failover.
enum UpstreamOutcome {
    /// A complete answer, already in OpenAI's shape.
    case complete(body: ByteBuffer, usage: TokenUsage?)
    /// A stream whose headers said 200 and whose first bytes arrived; the rest is still to be read.
    case stream(first: ByteBuffer, rest: UpstreamBody.AsyncIterator, any StreamTranslator)
    /// The upstream refused the request itself (a 4xx other than 401/403/408/429): passed on.
    case rejected(status: Int, message: String)
    /// No upstream accepted the call: nothing was spent upstream.
    case failed(APIError)
    /// An upstream accepted the call and its answer never came (timeout, broken connection, too
    /// large): the client gets the error, nothing is charged, and the hub records the provider
    /// cost it must assume the upstream billed (the hold's worst case). Never retried.
    case lost(APIError)
}

/// Which kind of call a request is.
enum Endpoint: Sendable {
    case chat, embeddings

    var modelType: ModelType { self == .chat ? .chat : .embedding }
}

extension Gateway {
    /// Tries the candidates in order and each provider's credentials by weight, within the retry
    /// budget, as ``FailoverPolicy`` decides: only a call no upstream accepted goes elsewhere.
    /// Sets the meter's provider and rate.
    func callUpstream(_ chat: ChatRequest, endpoint: Endpoint, candidates: [RouteCandidate],
                      meter: inout Meter) async -> UpstreamOutcome {
        var attempts = 0
        var excluded: Set<Int64> = []
        var lastError = APIError.badGateway("no upstream could be reached")
        var allThrottled = true
        for candidate in candidates {
            guard let adapter = Adapters.forKind(candidate.provider.kind) else { continue }
            let credentials = config.snapshot.credentialsByProvider[candidate.provider.id ?? 0] ?? []
            var triedKeyless = false
            meter.providerId = candidate.provider.id
            meter.rate = candidate.rate
            // The bare upstream name: with provider_id it matches model_rates.model and the usage rollup.
            meter.model = candidate.upstreamModel
            let provider = candidate.provider.name
            while attempts < options.maxAttempts {
                let credential: HubCatalog.Credential?
                if credentials.isEmpty {
                    guard !triedKeyless else { break }
                    triedKeyless = true
                    credential = nil
                } else {
                    guard let picked = await balancer.pick(credentials, excluding: excluded) else {
                        if !credentials.contains(where: { excluded.contains($0.id) }) {
                            lastError = APIError.badGateway("provider '\(provider)' has no enabled credential")
                            allThrottled = false
                        }
                        break
                    }
                    credential = picked
                    excluded.insert(picked.id)
                }
                if attempts > 0 { meter.failedCredentialId = meter.credentialId }  // the attempt before this one failed
                attempts += 1
                meter.credentialId = credential?.id
                let target = UpstreamTarget(baseURL: candidate.provider.baseURL, secret: credential?.secret)
                let request: HTTPClientRequest
                do {
                    request = endpoint == .chat
                        ? try adapter.chatRequest(chat, model: candidate.upstreamModel, target: target)
                        : try OpenAIAdapter().embeddingsRequest(chat, model: candidate.upstreamModel, target: target)
                } catch {
                    return .failed(error)
                }
                let response: UpstreamResponse
                do {
                    response = try await transport.send(request)
                } catch {
                    switch FailoverPolicy.decide(.failure(error)) {
                    case .fail(let failure): return .lost(Self.apiError(failure, provider: provider, detail: error))
                    default:
                        allThrottled = false
                        lastError = APIError.badGateway("upstream \(provider) could not be reached: \(error)")
                        meter.attemptFailed(credentialId: credential?.id, lastError.message)
                        continue
                    }
                }
                switch FailoverPolicy.decide(.status(response.status)) {
                case .use:
                    return await answer(response, chat: chat, endpoint: endpoint, adapter: adapter, provider: provider)
                case .fail(let failure):
                    let message = await errorMessage(response, adapter: adapter, credential: credential)
                    if case .passThrough(let status) = failure { return .rejected(status: status, message: message) }
                    return .lost(Self.apiError(failure, provider: provider, detail: .broken(message)))
                case .tryElsewhere(let action):
                    let message = await errorMessage(response, adapter: adapter, credential: credential)
                    let status = response.status
                    meter.attemptFailed(credentialId: credential?.id, "upstream answered \(status): \(message)")
                    switch action {
                    case .throttle:
                        if let credential { await balancer.throttled(credential.id) }
                        lastError = APIError.rateLimited("rate-limited upstream (\(provider)): \(message)")
                        continue
                    case .disable:
                        if let credential { await refuse(credential, status: status, message: message) }
                        lastError = APIError.badGateway("the upstream refused the hub's credential (\(provider))")
                    case .keep:
                        lastError = status == 408 || status == 504
                            ? APIError.gatewayTimeout("upstream \(provider) timed out (\(status))")
                            : APIError.badGateway("upstream \(provider) failed with \(status): \(message)")
                    }
                    allThrottled = false
                }
            }
        }
        if allThrottled && lastError.status == .tooManyRequests { return .failed(lastError) }
        return .failed(lastError.status == .tooManyRequests ? APIError.badGateway(lastError.message) : lastError)
    }

    /// A 2xx: the first bytes of a stream, or the whole (translated) answer. From here on the call
    /// was accepted, so a failure is ``UpstreamOutcome/lost(_:)``.
    private func answer(_ response: UpstreamResponse, chat: ChatRequest, endpoint: Endpoint,
                        adapter: any UpstreamAdapter, provider: String) async -> UpstreamOutcome {
        do {
            if chat.stream && endpoint == .chat {
                var rest = response.body.makeAsyncIterator()
                guard let first = try await rest.next() else {
                    return .lost(APIError.badGateway("upstream \(provider) closed the stream before any event"))
                }
                return .stream(first: first, rest: rest,
                               adapter.streamTranslator(clientModel: chat.model, wantsUsage: chat.wantsUsage))
            }
            let body = try await response.body.collect(upTo: options.maxUpstreamBodyBytes)
            let (translated, usage) = adapter.chatResponse(body, clientModel: chat.model)
            return .complete(body: translated, usage: usage)
        } catch {
            let failure = UpstreamFailure.classify(error)
            guard case .fail(let decision) = FailoverPolicy.decide(.failure(failure)) else {
                return .lost(APIError.badGateway("upstream \(provider) failed mid-answer: \(error)"))
            }
            return .lost(Self.apiError(decision, provider: provider, detail: failure))
        }
    }

    /// The upstream's error text, with the credential masked (an upstream may echo the key it refused).
    private func errorMessage(_ response: UpstreamResponse, adapter: any UpstreamAdapter,
                              credential: HubCatalog.Credential?) async -> String {
        let body = (try? await response.body.collect(upTo: 1 << 16)) ?? ByteBuffer()
        var message = adapter.errorMessage(body)
        if let secret = credential?.secret, !secret.isEmpty {
            message = message.replacingOccurrences(of: secret, with: SecretSealer.mask(secret))
        }
        return message
    }

    private func refuse(_ credential: HubCatalog.Credential, status: Int, message: String) async {
        await balancer.refusedCredential(credential.id)
        let store = self.store
        let logger = self.logger
        let error = "upstream answered \(status): \(message)"
        Task.detached {
            do { try await CredentialHealth.disable(store, credentialId: credential.id, error: error) } catch {
                logger.error("cannot disable credential \(credential.id): \(error)")
            }
        }
        logger.warning("credential \(credential.name) disabled: \(error)")
    }

    static func apiError(_ failure: FailoverPolicy.Failure, provider: String, detail: UpstreamFailure) -> APIError {
        switch failure {
        case .timedOutAfterAcceptance:
            APIError.gatewayTimeout("upstream \(provider) accepted the request and timed out; it was not retried")
        case .answerTooLarge:
            APIError.badGateway("upstream \(provider) answered with more than \(limitText(detail)) bytes, the hub's limit")
        case .lostAfterAcceptance, .passThrough:
            APIError.badGateway("upstream \(provider) accepted the request and its answer was lost (\(detail)); it was not retried")
        }
    }

    private static func limitText(_ failure: UpstreamFailure) -> String {
        if case .tooLarge(let limit) = failure { return "\(limit)" }
        return "the allowed"
    }
}
