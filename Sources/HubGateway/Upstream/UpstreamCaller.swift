import AsyncHTTPClient
import Foundation
import HubCore
import NIOCore

/// What came back from the upstreams for one request, after failover.
enum UpstreamOutcome {
    /// A complete answer, already in OpenAI's shape.
    case complete(body: ByteBuffer, usage: TokenUsage?)
    /// A stream whose headers said 200 and whose first bytes arrived; the rest is still to be read.
    case stream(first: ByteBuffer, rest: HTTPClientResponse.Body.AsyncIterator, any StreamTranslator)
    /// The upstream refused the request itself (a 4xx other than 401/403/408/429): passed on.
    case rejected(status: Int, message: String)
    case failed(APIError)
}

/// Which kind of call a request is.
enum Endpoint: Sendable {
    case chat, embeddings

    var modelType: ModelType { self == .chat ? .chat : .embedding }
}

extension Gateway {
    /// Tries the candidates in order and each provider's credentials by weight, within the retry
    /// budget: 5xx, connect errors and timeouts fail over; 429 lowers the credential's weight and
    /// fails over; 401/403 disables the credential and fails over. Sets the meter's provider and rate.
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
            while attempts < options.maxAttempts {
                let credential: GatewayCatalog.Credential?
                if credentials.isEmpty {
                    guard !triedKeyless else { break }
                    triedKeyless = true
                    credential = nil
                } else {
                    guard let picked = await balancer.pick(credentials, excluding: excluded) else {
                        if !credentials.contains(where: { excluded.contains($0.id) }) {
                            lastError = APIError.badGateway("provider '\(candidate.provider.name)' has no enabled credential")
                            allThrottled = false
                        }
                        break
                    }
                    credential = picked
                    excluded.insert(picked.id)
                }
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
                let response: HTTPClientResponse
                do {
                    response = try await client.execute(request, timeout: options.upstreamDeadline)
                } catch {
                    allThrottled = false
                    lastError = Self.transportError(error, provider: candidate.provider.name)
                    meter.attemptFailed(credentialId: credential?.id, lastError.message)
                    continue
                }
                let status = Int(response.status.code)
                if (200..<300).contains(status) {
                    if chat.stream && endpoint == .chat {
                        // Nothing has reached the client yet: an upstream that fails before its first
                        // bytes is failed over like any other.
                        var rest = response.body.makeAsyncIterator()
                        do {
                            guard let first = try await rest.next() else {
                                allThrottled = false
                                lastError = APIError.badGateway("upstream \(candidate.provider.name) closed the stream before any event")
                                continue
                            }
                            return .stream(first: first, rest: rest,
                                           adapter.streamTranslator(clientModel: chat.model, wantsUsage: chat.wantsUsage))
                        } catch {
                            allThrottled = false
                            lastError = Self.transportError(error, provider: candidate.provider.name)
                            continue
                        }
                    }
                    do {
                        let body = try await response.body.collect(upTo: options.maxUpstreamBodyBytes)
                        let (translated, usage) = adapter.chatResponse(body, clientModel: chat.model)
                        return .complete(body: translated, usage: usage)
                    } catch {
                        allThrottled = false
                        lastError = Self.transportError(error, provider: candidate.provider.name)
                        continue
                    }
                }
                let body = (try? await response.body.collect(upTo: 1 << 16)) ?? ByteBuffer()
                // An upstream may echo the key it refused: mask it before the text goes anywhere.
                var message = adapter.errorMessage(body)
                if let secret = credential?.secret, !secret.isEmpty {
                    message = message.replacingOccurrences(of: secret, with: SecretSealer.mask(secret))
                }
                meter.attemptFailed(credentialId: credential?.id, "upstream answered \(status): \(message)")
                switch status {
                case 429:
                    if let credential { await balancer.throttled(credential.id) }
                    lastError = APIError.rateLimited("rate-limited upstream (\(candidate.provider.name)): \(message)")
                case 401, 403:
                    allThrottled = false
                    if let credential { await refuse(credential, status: status, message: message) }
                    lastError = APIError.badGateway("the upstream refused the hub's credential (\(candidate.provider.name))")
                case 408, 500...:
                    allThrottled = false
                    lastError = status == 408 || status == 504
                        ? APIError.gatewayTimeout("upstream \(candidate.provider.name) timed out (\(status))")
                        : APIError.badGateway("upstream \(candidate.provider.name) failed with \(status): \(message)")
                default:
                    return .rejected(status: status, message: message)
                }
            }
        }
        if allThrottled && lastError.status == .tooManyRequests { return .failed(lastError) }
        return .failed(lastError.status == .tooManyRequests ? APIError.badGateway(lastError.message) : lastError)
    }

    private func refuse(_ credential: GatewayCatalog.Credential, status: Int, message: String) async {
        await balancer.refusedCredential(credential.id)
        let store = self.store
        let logger = self.logger
        let error = "upstream answered \(status): \(message)"
        Task.detached {
            do { try CredentialHealth.disable(store, credentialId: credential.id, error: error) } catch {
                logger.error("cannot disable credential \(credential.id): \(error)")
            }
        }
        logger.warning("credential \(credential.name) disabled: \(error)")
    }

    static func transportError(_ error: any Error, provider: String) -> APIError {
        if let error = error as? HTTPClientError,
           [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error) {
            return APIError.gatewayTimeout("upstream \(provider) timed out")
        }
        return APIError.badGateway("upstream \(provider) could not be reached: \(error)")
    }
}
