import Foundation
import HubCore

/// The bytes of the admin protocol: one JSON object per line, `\n` terminated, keys sorted.
/// Params and results use the hub's JSON dialect (``HubJSON``: snake_case, ISO-8601, amounts as
/// decimal strings).
public enum AdminWire {
    /// The longest request line the hub accepts (1 MiB, without the newline); a longer one is
    /// answered with an error and the connection is closed.
    public static let maxRequestLine = 1 << 20

    /// A request line for `method` with `params` (any Encodable, e.g. an ``AdminMethod`` value).
    public static func requestLine(id: Int64?, method: String, params: some Encodable) throws(HubError) -> Data {
        let paramsData: Data
        do {
            paramsData = try HubJSON.encoder().encode(params)
        } catch {
            throw HubError.invalid("cannot encode the params of \(method): \(error)")
        }
        var line = Data("{".utf8)
        if let id { line += Data("\"id\":\(id),".utf8) }
        line += Data("\"jsonrpc\":\"2.0\",\"method\":".utf8) + JSONValue.string(method).jsonData
        line += Data(",\"params\":".utf8) + paramsData + Data("}\n".utf8)
        return line
    }

    /// A success response line; `result` is JSON text.
    public static func resultLine(id: JSONValue, result: Data) -> Data {
        Data("{\"id\":".utf8) + id.jsonData + Data(",\"jsonrpc\":\"2.0\",\"result\":".utf8) + result + Data("}\n".utf8)
    }

    /// An error response line.
    public static func errorLine(_ failure: RPCFailure) -> Data {
        let error = (try? sortedEncoder.encode(failure.object)) ?? Data("{\"code\":-32603,\"message\":\"internal error\"}".utf8)
        return Data("{\"error\":".utf8) + error + Data(",\"id\":".utf8) + (failure.id ?? .null).jsonData
            + Data(",\"jsonrpc\":\"2.0\"}\n".utf8)
    }

    /// A notification line (no id).
    public static func notificationLine(method: String, params: Data) -> Data {
        Data("{\"jsonrpc\":\"2.0\",\"method\":".utf8) + JSONValue.string(method).jsonData
            + Data(",\"params\":".utf8) + params + Data("}\n".utf8)
    }

    /// The notification line of a hub notification.
    public static func notificationLine(_ notification: HubNotification) -> Data {
        notificationLine(method: notification.rpcMethod, params: notification.rpcParams)
    }

    private static let sortedEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// The params of `usage.subscribe`: none for every event (`{}`), or
/// `{"events": "sample", "tail_per_second": 10}` for stats ticks, admin changes and a sampled tail.
public struct SubscribeParams: Codable, Sendable, Equatable {
    /// `"all"` (the default) or `"sample"`.
    public var events: String?
    /// With `"sample"`: the most usage events a second (default 10, at most 1,000).
    public var tailPerSecond: Int?

    public init(_ mode: SubscriptionMode) {
        switch mode {
        case .everyEvent: events = nil; tailPerSecond = nil
        case .summary(let perSecond): events = "sample"; tailPerSecond = perSecond
        }
    }

    /// The mode these params ask for; a clear error for anything else.
    public func mode() throws(HubError) -> SubscriptionMode {
        switch events {
        case nil, "all":
            guard tailPerSecond == nil else { throw HubError.invalid("usage.subscribe: tail_per_second needs events \"sample\"") }
            return .everyEvent
        case "sample":
            let perSecond = tailPerSecond ?? 10
            guard (0...1_000).contains(perSecond) else {
                throw HubError.invalid("usage.subscribe: tail_per_second must be 0 to 1000, not \(perSecond)")
            }
            return .summary(tailPerSecond: perSecond)
        case let other?:
            throw HubError.invalid("usage.subscribe: events must be \"all\" or \"sample\", not \"\(other)\"")
        }
    }
}
