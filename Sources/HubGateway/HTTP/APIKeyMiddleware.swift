import Foundation
import HubCore
import Hummingbird
import Synchronization

/// The key check of the API, run on the request head before any byte of the body is read: a
/// missing, unknown or revoked key is answered 401 (a suspended account 403), and a body declared
/// larger than the limit 413, at no cost but a hash and a dictionary look-up. Refusals are counted
/// in ``EdgeCounters``; at most one usage row a second records a sample of them, so a flood of bad
/// keys cannot grow the database. On success the caller's identity goes into the context.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let config: ConfigHolder
    let counters: EdgeCounters
    let sampler: RefusalSampler
    let maxBodyBytes: Int
    let governance: GovernanceGate

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let snapshot = config.snapshot
        var identity: ClientIdentity
        do {
            identity = try Self.authenticate(request.headers[.authorization], in: snapshot)
        } catch {
            counters.refusedKeys.add(1, ordering: .relaxed)
            // An address over its limit of bad keys gets 429 and costs nothing more (no sample, no count).
            if let refusal = governance.addressRefusal(context.remoteAddress, snapshot: snapshot) { return refusal.response }
            governance.keyRefused(context.remoteAddress)
            sampler.refused(error)
            return error.response
        }
        identity.teamId = snapshot.catalog.governance.keyTeams[identity.keyId]
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes {
            counters.refusedBodies.add(1, ordering: .relaxed)
            return APIError.tooLarge(maxBodyBytes).response
        }
        var context = context
        do {
            context.permit = try governance.admit(identity, address: context.remoteAddress, snapshot: snapshot)
        } catch {
            sampler.refused(error)
            return error.response
        }
        context.identity = identity
        return try await next(request, context)
    }

    /// The owner of the bearer key in `authorization`, or the refusal the client gets.
    static func authenticate(_ authorization: String?, in snapshot: ConfigSnapshot) throws(APIError) -> ClientIdentity {
        guard let authorization, authorization.count > 7,
              authorization.prefix(7).lowercased() == "bearer " else {
            throw APIError.unauthorized("missing API key: send Authorization: Bearer <key>")
        }
        let secret = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
        guard let owner = snapshot.catalog.keyOwner(secret: secret) else {
            throw APIError.unauthorized("incorrect API key provided")
        }
        guard !owner.revoked else { throw APIError.unauthorized("this API key has been revoked") }
        guard let user = snapshot.catalog.users[owner.userId] else { throw APIError.unauthorized("the key's user no longer exists") }
        guard user.status == .active else { throw APIError.forbidden("the account '\(user.name)' is suspended") }
        return ClientIdentity(keyId: owner.keyId, userId: owner.userId)
    }
}

/// Turns a stream of refusals into at most one usage row per `interval`: the row names the
/// refusal and how many others it stands for since the previous sample.
final class RefusalSampler: Sendable {
    private struct State {
        var lastSample: ContinuousClock.Instant?
        var unsampled = 0
    }

    private let state = Mutex(State())
    private let interval: Duration
    private let write: @Sendable (_ status: Int, _ error: String) -> Void

    /// `write` queues one usage row (status and error text); it must not block.
    init(interval: Duration = .seconds(1), write: @escaping @Sendable (Int, String) -> Void) {
        self.interval = interval
        self.write = write
    }

    func refused(_ error: APIError) {
        let now = ContinuousClock.now
        let represented: Int? = state.withLock { state in
            if let last = state.lastSample, now - last < interval {
                state.unsampled += 1
                return nil
            }
            defer { state.lastSample = now; state.unsampled = 0 }
            return state.unsampled
        }
        guard let represented else { return }
        let others = represented == 0 ? "" : " (sample: \(represented) other refusals since the previous one)"
        write(Int(error.status.code), error.message + others)
    }
}
