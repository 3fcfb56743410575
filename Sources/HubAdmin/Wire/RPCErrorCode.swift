import HubCore
/// The stable numeric error codes of the admin protocol (JSON-RPC 2.0 `error.code`).
///
/// The standard JSON-RPC codes cover malformed messages; each ``HubError/Code`` has its own code
/// in the implementation-defined range -32001...-32099, and `error.data.code` carries the
/// HubError code string (`"not_found"`, ...), so a client maps an error back to the same
/// ``HubError`` that the in-process admin service would have thrown.
public enum RPCErrorCode {
    /// The line is not JSON.
    public static let parseError = -32700
    /// The JSON is not a JSON-RPC 2.0 request (or the line is over the size limit).
    public static let invalidRequest = -32600
    /// No such method.
    public static let methodNotFound = -32601
    /// The params do not fit the method, or a value is invalid (HubError `invalid_argument`).
    public static let invalidParams = -32602
    /// A bug in the hub (HubError `internal`).
    public static let internalError = -32603

    /// The JSON-RPC code of a HubError code: the table in the protocol documentation.
    public static func code(for code: HubError.Code) -> Int {
        switch code {
        case .invalidArgument: invalidParams
        case .notFound: -32001
        case .alreadyExists: -32002
        case .insufficientBalance: -32003
        case .duplicate: -32004
        case .failedPrecondition: -32005
        case .secretKey: -32006
        case .permissionDenied: -32007
        case .storage: -32008
        case .unavailable: -32009
        case .internal: internalError
        }
    }

    /// The HubError code of a JSON-RPC error: from `data.code` when present, else from the number.
    public static func hubCode(rpcCode: Int, dataCode: String?) -> HubError.Code {
        if let dataCode, let code = HubError.Code(rawValue: dataCode) { return code }
        switch rpcCode {
        case parseError, invalidRequest, invalidParams: return .invalidArgument
        case methodNotFound: return .notFound
        default: return HubError.Code.allCases.first { self.code(for: $0) == rpcCode } ?? .internal
        }
    }
}
