import Foundation
import HubCore

/// Turns one request line into its response: parse, validate, dispatch to the admin service,
/// encode. Async: it awaits the admin service's transactions.
struct AdminRequestRouter: Sendable {
    /// What a request asks of its connection besides the response.
    enum SubscriptionChange: Sendable { case subscribe(SubscriptionMode), unsubscribe }

    struct Outcome: Sendable {
        /// The response line(s), nil for notifications.
        var response: Data?
        var subscription: SubscriptionChange?
    }

    let service: AdminService
    /// The live fields of `hub.status`, from the running hub.
    let liveStatus: @Sendable () -> LiveStatus

    struct LiveStatus: Sendable {
        var pid: Int32
        var startedAt: Date
        var inFlight: Int?
        var subscribers: Int
    }

    func route(_ line: Data, actor: String) async -> Outcome {
        let value: JSONValue
        do {
            value = try JSONValue.parse(line)
        } catch {
            return Outcome(response: AdminWire.errorLine(.parse("the line is not valid JSON (one JSON-RPC request per line)")))
        }
        guard case .array(let batch) = value else { return await routeOne(value, actor: actor) }
        guard !batch.isEmpty else {
            return Outcome(response: AdminWire.errorLine(.invalidRequest("an empty batch", id: nil)))
        }
        var responses: [Data] = []
        var change: SubscriptionChange?
        for item in batch {
            let outcome = await routeOne(item, actor: actor)
            if let response = outcome.response { responses.append(response.dropLast()) }   // drop each "\n"
            change = outcome.subscription ?? change
        }
        guard !responses.isEmpty else { return Outcome(response: nil, subscription: change) }
        let joined = Data("[".utf8) + responses.joined(separator: Data(",".utf8)) + Data("]\n".utf8)
        return Outcome(response: joined, subscription: change)
    }

    private func routeOne(_ value: JSONValue, actor: String) async -> Outcome {
        let request: RPCRequest
        do {
            request = try RPCRequest(validating: value)
        } catch {
            return Outcome(response: AdminWire.errorLine(error))
        }
        do {
            let (result, change) = try await perform(request, actor: actor)
            return Outcome(response: request.id.map { AdminWire.resultLine(id: $0, result: result) }, subscription: change)
        } catch {
            var failure = error
            failure.id = request.id
            // A notification is never answered, not even with an error.
            return Outcome(response: request.id == nil ? nil : AdminWire.errorLine(failure))
        }
    }

    private func perform(_ request: RPCRequest, actor: String) async throws(RPCFailure) -> (Data, SubscriptionChange?) {
        switch request.method {
        case Admin.HubStatus.name:
            try requireNoParams(request)
            return (try encode(try await status()), nil)
        case "usage.subscribe":
            return (try encode(Done()), .subscribe(try subscriptionMode(request.params)))
        case "usage.unsubscribe":
            try requireNoParams(request)
            return (try encode(Done()), .unsubscribe)
        default:
            guard let type = Admin.methodsByName[request.method] else {
                throw RPCFailure(RPCErrorCode.methodNotFound,
                                 HubError.notFound("unknown method '\(request.method)': see the admin protocol's method list"),
                                 id: request.id)
            }
            return (try await dispatch(type, params: request.params, actor: actor), nil)
        }
    }

    /// Opens the existential: decode params as `M`, run it, encode its result.
    private func dispatch<M: AdminMethod>(_ type: M.Type, params: [String: JSONValue]?, actor: String) async throws(RPCFailure) -> Data {
        let method = try decode(M.self, params)
        let result: M.Result
        do {
            result = try await service.perform(method, actor: actor)
        } catch {
            throw RPCFailure(error, id: nil)
        }
        return try encode(result)
    }

    private func decode<M: AdminMethod>(_ type: M.Type, _ params: [String: JSONValue]?) throws(RPCFailure) -> M {
        do {
            return try AdminParams.decode(M.self, from: params)
        } catch {
            throw RPCFailure(RPCErrorCode.invalidParams, error, id: nil)
        }
    }

    /// `usage.subscribe`'s params (``SubscribeParams``): none for every event.
    private func subscriptionMode(_ params: [String: JSONValue]?) throws(RPCFailure) -> SubscriptionMode {
        do throws(HubError) {
            if let unknown = params?.keys.sorted().first(where: { !["events", "tail_per_second"].contains($0) }) {
                throw HubError.invalid("usage.subscribe: unknown parameter '\(unknown)' (it takes events, tail_per_second)")
            }
            let decoded: SubscribeParams
            do {
                decoded = try HubJSON.decoder().decode(SubscribeParams.self, from: JSONValue.object(params ?? [:]).jsonData)
            } catch {
                throw HubError.invalid("usage.subscribe: events must be a string and tail_per_second a number")
            }
            return try decoded.mode()
        } catch {
            throw RPCFailure(RPCErrorCode.invalidParams, error, id: nil)
        }
    }

    private func requireNoParams(_ request: RPCRequest) throws(RPCFailure) {
        if let key = request.params?.keys.sorted().first {
            throw RPCFailure(RPCErrorCode.invalidParams,
                             HubError.invalid("\(request.method): unknown parameter '\(key)' (it takes none)"), id: nil)
        }
    }

    private func status() async throws(RPCFailure) -> HubStatusReport {
        do {
            var report = try await HubStatusReport.stored(in: service.store)
            let live = liveStatus()
            report.running = true
            report.pid = live.pid
            report.startedAt = live.startedAt
            report.uptimeSeconds = Int(Date().timeIntervalSince(live.startedAt))
            report.inFlight = live.inFlight
            report.subscribers = live.subscribers
            return report
        } catch {
            throw RPCFailure(error, id: nil)
        }
    }

    private func encode(_ value: some Encodable) throws(RPCFailure) -> Data {
        do {
            return try HubJSON.encoder().encode(value)
        } catch {
            throw RPCFailure(HubError(.internal, "cannot encode the result: \(error)"), id: nil)
        }
    }
}
