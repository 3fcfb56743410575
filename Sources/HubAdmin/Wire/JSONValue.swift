import Foundation
import HubCore

/// Any JSON value, kept as parsed: the admin protocol's ids, params and results travel as this
/// until their type is known. Object keys are kept verbatim (decode it with a plain
/// `JSONDecoder`, not ``HubJSON``, whose snake-case strategy would rewrite them).
public enum JSONValue: Codable, Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Compact JSON text of this value (keys sorted, so equal values give equal bytes).
    public var jsonData: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSONValue cannot fail: every case is plain JSON (non-finite doubles never parse in).
        return (try? encoder.encode(self)) ?? Data("null".utf8)
    }

    /// The value parsed from JSON text, keys verbatim. (JSONSerialization, then a walk: several
    /// times faster than decoding through `Codable`, which matters on the admin socket's hot path.)
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONValue(any: try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }

    private struct NotJSON: Error {}

    private init(any value: Any) throws {
        switch value {
        case is NSNull:
            self = .null
        case let text as String:
            self = .string(text)
        case let number as NSNumber:
            switch String(cString: number.objCType) {
            case "c", "B": self = .bool(number.boolValue)
            case "d", "f", "Q":
                guard number.doubleValue.isFinite else { throw NotJSON() }
                self = .number(number.doubleValue)
            default: self = .integer(number.int64Value)
            }
        case let array as [Any]:
            self = .array(try array.map { try JSONValue(any: $0) })
        case let object as [String: Any]:
            self = .object(try object.mapValues { try JSONValue(any: $0) })
        default:
            throw NotJSON()
        }
    }

    /// What kind of JSON value this is, for error messages.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
