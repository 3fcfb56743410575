import Foundation
import GRDB
import HubCore
import NIOCore
import PostgresNIO

/// One statement of ``StoreDB``'s portable SQL, made ready for PostgreSQL: `?` placeholders
/// numbered `$1…$n` and every argument bound as text of no declared type.
///
/// Binding as text with type OID 0 ("unspecified") lets the server infer each parameter's type
/// from where it stands, exactly as it does for a quoted literal: `1` into a BOOLEAN column is
/// true, `2026-01-02 03:04:05.678` into a TIMESTAMPTZ is a UTC time (sessions run with
/// `TimeZone=UTC`), digits into a BIGINT are that number, `\x…` into a BYTEA are those bytes. So
/// GRDB's encoding of values (Bool as 0/1, Date as text) reaches PostgreSQL unchanged. Where the
/// server cannot tell a type (`? IS NULL` alone, `SELECT ?`, `COALESCE(?, 0)` which infers
/// `integer`, not `bigint`), the SQL must say it: `CAST(? AS BIGINT)`.
enum PostgresStatement {
    /// The SQL with `?` replaced by `$1…$n`, leaving alone what sits in `'…'` string literals,
    /// `"…"` identifiers, `-- …` and `/* … */` comments. Returns the SQL and the placeholder count.
    static func numbered(_ sql: String) -> (sql: String, count: Int) {
        guard sql.utf8.contains(UInt8(ascii: "?")) else { return (sql, 0) }
        enum Context { case code, string, identifier, lineComment, blockComment }
        var context = Context.code
        var output = String.UnicodeScalarView()
        var count = 0
        let scalars = Array(sql.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            switch context {
            case .code:
                switch scalar {
                case "?":
                    count += 1
                    output.append(contentsOf: "$\(count)".unicodeScalars)
                    index += 1
                    continue
                case "'": context = .string
                case "\"": context = .identifier
                case "-" where next == "-": context = .lineComment
                case "/" where next == "*":
                    context = .blockComment
                    output.append(scalar); output.append("*")
                    index += 2
                    continue
                default: break
                }
            case .string where scalar == "'":   // '' inside a literal leaves and re-enters: still right
                context = .code
            case .identifier where scalar == "\"":
                context = .code
            case .lineComment where scalar == "\n":
                context = .code
            case .blockComment where scalar == "*" && next == "/":
                context = .code
                output.append(scalar); output.append("/")
                index += 2
                continue
            default:
                break
            }
            output.append(scalar)
            index += 1
        }
        return (String(output), count)
    }

    /// The query to send: numbered SQL and its arguments, each as untyped text (NULL as NULL).
    static func query(_ sql: String, _ arguments: [DatabaseValue]) throws(HubError) -> PostgresQuery {
        let (numbered, count) = numbered(sql)
        guard count == arguments.count else {
            throw HubError(.internal, "the statement has \(count) placeholders but \(arguments.count) arguments: \(sql)")
        }
        var binds = PostgresBindings(capacity: arguments.count)
        for value in arguments {
            switch value.storage {
            case .null: binds.appendNull()
            case .int64(let number): binds.append(UntypedText(text: String(number)))
            case .double(let number): binds.append(UntypedText(text: number.postgresText))
            case .string(let text): binds.append(UntypedText(text: text))
            case .blob(let data): binds.append(UntypedText(text: "\\x" + data.hexDigits))
            }
        }
        return PostgresQuery(unsafeSQL: numbered, binds: binds)
    }
}

/// A parameter sent as text with type OID 0: the server infers its type from the statement.
struct UntypedText: PostgresDynamicTypeEncodable {
    var text: String
    var psqlType: PostgresDataType { .null }   // OID 0: unspecified
    var psqlFormat: PostgresFormat { .text }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(text)
    }
}

extension Double {
    /// PostgreSQL's spelling of a float8: `Infinity`, `-Infinity`, `NaN`; a whole number without a
    /// fraction (`3`, so that it also fits a BIGINT where SQLite would have converted it); else
    /// Swift's shortest round-tripping digits (`0.1`, `1e-07`).
    var postgresText: String {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        if rounded() == self, abs(self) < 1e15 { return String(Int64(self)) }
        return "\(self)"
    }
}

extension Data {
    /// Lowercase hexadecimal, two digits a byte (BYTEA's `\x` input format after the prefix).
    var hexDigits: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(count * 2)
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
