import Foundation
import Hummingbird
import NIOCore

/// An error as an OpenAI client expects it: a status and `{"error":{"message","type","code","param"}}`.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String
    var type: String
    var code: String
    var param: String?
    /// Headers the answer carries besides its content type (`Retry-After`, rate-limit headers).
    var headers: HTTPFields = [:]

    static func badRequest(_ message: String, param: String? = nil) -> APIError {
        APIError(status: .badRequest, message: message, type: "invalid_request_error", code: "invalid_request", param: param)
    }
    static func unauthorized(_ message: String) -> APIError {
        APIError(status: .unauthorized, message: message, type: "invalid_request_error", code: "invalid_api_key")
    }
    static func insufficientCredits(_ message: String) -> APIError {
        APIError(status: .init(code: 402, reasonPhrase: "Payment Required"), message: message, type: "insufficient_quota", code: "insufficient_credits")
    }
    static func forbidden(_ message: String) -> APIError {
        APIError(status: .forbidden, message: message, type: "permission_error", code: "account_suspended")
    }
    static func modelNotFound(_ message: String) -> APIError {
        APIError(status: .notFound, message: message, type: "invalid_request_error", code: "model_not_found", param: "model")
    }
    static func tooLarge(_ limit: Int) -> APIError {
        APIError(status: .contentTooLarge, message: "the request body is over the limit of \(limit) bytes",
                 type: "invalid_request_error", code: "request_too_large")
    }
    static func rateLimited(_ message: String) -> APIError {
        APIError(status: .tooManyRequests, message: message, type: "rate_limit_error", code: "rate_limited")
    }
    static func badGateway(_ message: String) -> APIError {
        APIError(status: .badGateway, message: message, type: "upstream_error", code: "upstream_error")
    }
    static func gatewayTimeout(_ message: String) -> APIError {
        APIError(status: .gatewayTimeout, message: message, type: "upstream_error", code: "upstream_timeout")
    }
    static func unavailable(_ message: String) -> APIError {
        APIError(status: .serviceUnavailable, message: message, type: "server_error", code: "shutting_down")
    }

    /// The JSON body.
    var json: String {
        var error: [String: Any] = ["message": message, "type": type, "code": code]
        error["param"] = param ?? NSNull()
        let data = (try? JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    var response: Response {
        var fields: HTTPFields = [.contentType: "application/json"]
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
