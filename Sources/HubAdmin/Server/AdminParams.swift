import Foundation
import HubCore

/// Decodes JSON-RPC params into an ``AdminMethod`` value, with errors that name the parameter.
enum AdminParams {
    /// The method value `params` describe. Unknown parameters are refused (a typo must not be
    /// silently ignored); missing, mistyped and out-of-range ones are named.
    static func decode<M: AdminMethod>(_ type: M.Type, from params: [String: JSONValue]?) throws(HubError) -> M {
        let value: M
        do {
            value = try HubJSON.decoder().decode(M.self, from: JSONValue.object(params ?? [:]).jsonData)
        } catch let error as DecodingError {
            throw HubError.invalid("\(M.name): \(describe(error))")
        } catch {
            throw HubError.invalid("\(M.name): \(error)")
        }
        let known = Set(Mirror(reflecting: value).children.compactMap { $0.label.map(snakeCase) })
        if let unknown = params?.keys.sorted().first(where: { !known.contains($0) }) {
            let takes = known.isEmpty ? "it takes none" : "it takes " + known.sorted().joined(separator: ", ")
            throw HubError.invalid("\(M.name): unknown parameter '\(unknown)' (\(takes))")
        }
        return value
    }

    /// `afterId` → `after_id`, as ``HubJSON`` spells keys.
    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (last.map { [$0] } ?? [])
            let text = keys.map { $0.intValue.map { "[\($0)]" } ?? snakeCase($0.stringValue) }.joined(separator: ".")
            return text.isEmpty ? "params" : "parameter '\(text)'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing \(path(context, key))"
        case .valueNotFound(_, let context):
            return "\(path(context)) must not be null"
        case .typeMismatch(let type, let context):
            return "\(path(context)) must be \(kind(of: type))"
        case .dataCorrupted(let context):
            return "\(path(context)): \(readable(context.debugDescription))"
        @unknown default:
            return "\(error)"
        }
    }

    private static func kind(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type: "a number"
        default: "\(type)"
        }
    }

    /// Enum decoding errors say "Cannot initialize X from invalid String value y": list the choices.
    private static func readable(_ message: String) -> String {
        let choices: [String: [String]] = [
            "DeploymentMode": DeploymentMode.allCases.map(\.rawValue), "UserStatus": UserStatus.allCases.map(\.rawValue),
            "LedgerKind": LedgerKind.allCases.map(\.rawValue), "ProviderKind": ProviderKind.allCases.map(\.rawValue),
            "ModelType": ModelType.allCases.map(\.rawValue), "UsageGrouping": UsageGrouping.allCases.map(\.rawValue),
            "PriceUnit": PriceUnit.allCases.map(\.rawValue),
        ]
        let prefix = "Cannot initialize "
        guard message.hasPrefix(prefix), let from = message.range(of: " from invalid String value ") else {
            return message
        }
        let typeName = String(message[message.index(message.startIndex, offsetBy: prefix.count)..<from.lowerBound])
        let value = message[from.upperBound...]
        guard let allowed = choices[typeName] else { return message }
        return "unknown value '\(value)': use \(allowed.joined(separator: ", "))"
    }
}
