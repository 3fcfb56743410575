import Foundation
import HubCore

/// A JSON-RPC 2.0 request as the admin socket accepts it: `method`, optional named `params`,
/// and an `id` (a request with no `id` is a notification: it runs, and nothing is answered).
public struct RPCRequest: Sendable, Equatable {
    /// nil for a notification; otherwise a string, a number or null, echoed in the response.
    public var id: JSONValue?
    public var method: String
    /// The params object; nil when absent or null.
    public var params: [String: JSONValue]?

    public init(id: JSONValue?, method: String, params: [String: JSONValue]? = nil) {
        self.id = id
        self.method = method
        self.params = params
    }

    /// Checks that a parsed JSON value is a JSON-RPC 2.0 request, naming what is wrong if not.
    public init(validating value: JSONValue) throws(RPCFailure) {
        guard case .object(let fields) = value else {
            throw RPCFailure.invalidRequest("a request is a JSON object, got \(value.kindName)", id: nil)
        }
        let id = fields["id"]
        if let id {
            switch id {
            case .string, .integer, .number, .null: break
            default: throw RPCFailure.invalidRequest("\"id\" must be a string, a number or null, got \(id.kindName)", id: nil)
            }
        }
        guard fields["jsonrpc"] == .string("2.0") else {
            throw RPCFailure.invalidRequest("\"jsonrpc\" must be \"2.0\"", id: id)
        }
        guard case .string(let method)? = fields["method"] else {
            throw RPCFailure.invalidRequest("\"method\" must be a string naming the method, e.g. \"users.list\"", id: id)
        }
        switch fields["params"] {
        case nil, .null?:
            self.init(id: id, method: method, params: nil)
        case .object(let params)?:
            self.init(id: id, method: method, params: params)
        case .array?:
            throw RPCFailure(RPCErrorCode.invalidParams, HubError.invalid("params must be an object of named parameters, not an array"), id: id)
        case let other?:
            throw RPCFailure.invalidRequest("\"params\" must be an object, got \(other.kindName)", id: id)
        }
        if let unknown = fields.keys.first(where: { !["jsonrpc", "id", "method", "params"].contains($0) }) {
            throw RPCFailure.invalidRequest("unknown member \"\(unknown)\" in the request", id: id)
        }
    }
}

/// The `error` member of a JSON-RPC response.
public struct RPCErrorObject: Codable, Sendable, Equatable {
    /// See ``RPCErrorCode``.
    public var code: Int
    public var message: String
    /// `{"code": "<HubError code>"}`, and `"text"`: the message as a code and parameters (``HubText``)
    /// when the hub has it.
    public var data: Detail?

    public struct Detail: Codable, Sendable, Equatable {
        public var code: String
        public var text: HubText?
    }

    public init(code: Int, message: String, hubCode: HubError.Code, text: HubText? = nil) {
        self.code = code
        self.message = message
        self.data = Detail(code: hubCode.rawValue, text: text)
    }

    /// The error as the HubError it stands for.
    public var hubError: HubError {
        var error = HubError(RPCErrorCode.hubCode(rpcCode: code, dataCode: data?.code), message)
        error.text = data?.text
        return error
    }
}

/// A request that failed: what goes into the response's `error`, and the id to answer with.
public struct RPCFailure: Error, Sendable, Equatable {
    public var rpcCode: Int
    public var error: HubError
    public var id: JSONValue?

    public init(_ rpcCode: Int, _ error: HubError, id: JSONValue?) {
        self.rpcCode = rpcCode
        self.error = error
        self.id = id
    }

    /// A HubError thrown by the admin service, with its stable code.
    public init(_ error: HubError, id: JSONValue?) {
        self.init(RPCErrorCode.code(for: error.code), error, id: id)
    }

    public static func parse(_ message: String) -> RPCFailure {
        RPCFailure(RPCErrorCode.parseError, HubError.invalid(message), id: nil)
    }

    public static func invalidRequest(_ message: String, id: JSONValue?) -> RPCFailure {
        RPCFailure(RPCErrorCode.invalidRequest, HubError.invalid(message), id: id)
    }

    public var object: RPCErrorObject {
        RPCErrorObject(code: rpcCode, message: error.message, hubCode: error.code, text: error.text)
    }
}

/// Any message a client reads from the socket: a response (`id` with `result` or `error`) or a
/// notification (`method` and `params`, no `id`).
public struct RPCIncoming: Sendable {
    /// nil when absent or null.
    public var id: JSONValue?
    public var result: JSONValue?
    public var error: RPCErrorObject?
    public var method: String?
    public var params: JSONValue?

    public var isNotification: Bool { method != nil && id == nil }

    /// Parses one line (keys verbatim).
    public static func parse(_ line: Data) throws(HubError) -> RPCIncoming {
        guard case .object(let fields)? = try? JSONValue.parse(line) else {
            throw HubError(.internal, "the hub sent a line that is not a JSON-RPC message: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        var message = RPCIncoming(id: fields["id"], result: fields["result"], error: nil, method: nil, params: fields["params"])
        if message.id == .null { message.id = nil }
        if case .string(let method)? = fields["method"] { message.method = method }
        if let error = fields["error"] {
            message.error = try? JSONDecoder().decode(RPCErrorObject.self, from: error.jsonData)
            if message.error == nil { throw HubError(.internal, "the hub sent a malformed error: \(error)") }
        }
        return message
    }

    /// The result decoded as `T`, or the error as a HubError.
    public func value<T: Decodable>(_ type: T.Type) throws(HubError) -> T {
        if let error { throw error.hubError }
        guard let result else { throw HubError(.internal, "the hub's response has neither result nor error") }
        do {
            return try HubJSON.decoder().decode(T.self, from: result.jsonData)
        } catch {
            throw HubError(.internal, "the hub's result does not decode as \(T.self): \(error)")
        }
    }
}
