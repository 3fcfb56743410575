import Hummingbird

/// Who is calling: the API key and its user, as ``APIKeyMiddleware`` found them before the body
/// was read. Handlers behind the middleware can rely on it being set.
struct ClientIdentity: Sendable, Equatable {
    var keyId: Int64
    var userId: Int64
    /// The team the key spends for, if any.
    var teamId: Int64? = nil
}

/// The request context of the hub's API: Hummingbird's core storage plus the authenticated caller.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// Set by ``APIKeyMiddleware``; nil only on routes outside it (`/healthz`).
    var identity: ClientIdentity?
    /// The client's IP address (nil on a connection without one).
    let remoteAddress: String?
    /// The call's rate-limit slots, taken by ``APIKeyMiddleware`` and freed when the call ends.
    var permit: RatePermit?

    init(source: Source) {
        coreContext = .init(source: source)
        identity = nil
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The caller of a route behind ``APIKeyMiddleware``.
    var caller: ClientIdentity {
        get throws(APIError) {
            guard let identity else { throw APIError.unauthorized("missing API key: send Authorization: Bearer <key>") }
            return identity
        }
    }
}
