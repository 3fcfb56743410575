import Foundation
import GRDB
import HubCore
import NIOCore
import PostgresNIO

/// A PostgreSQL result cell as the GRDB `DatabaseValue` a SQLite hub would hold in its place, so
/// that records decode the same from either backend.
///
/// postgres-nio asks for every result column in binary format; each type the schema uses is read
/// here by its OID: BOOLEAN → `.int64` 0/1; SMALLINT, INTEGER, BIGINT, OID → `.int64`; REAL,
/// DOUBLE PRECISION → `.double`; NUMERIC (what `sum(bigint)` gives) → `.int64` when integral and
/// in range, else `.double`; TEXT and its kin → `.string`; BYTEA → `.blob`; TIMESTAMPTZ and
/// TIMESTAMP → `.string` `yyyy-MM-dd HH:mm:ss.SSS` in UTC (GRDB's `Date` format); DATE →
/// `yyyy-MM-dd`; VOID (`pg_advisory_xact_lock`) and NULL → `.null`. Anything else is an error that
/// names the column: cast it in the SQL (`::text`, `::bigint`).
enum PostgresCellValue {
    static func databaseValue(_ cell: PostgresCell) throws(HubError) -> DatabaseValue {
        guard var bytes = cell.bytes else { return .null }
        guard cell.format == .binary else {
            return string(bytes.readString(length: bytes.readableBytes) ?? "")
        }
        switch cell.dataType {
        case .bool:
            guard let byte = bytes.readInteger(as: UInt8.self) else { throw malformed(cell) }
            return int64(byte == 0 ? 0 : 1)
        case .int2:
            guard let number = bytes.readInteger(as: Int16.self) else { throw malformed(cell) }
            return int64(Int64(number))
        case .int4:
            guard let number = bytes.readInteger(as: Int32.self) else { throw malformed(cell) }
            return int64(Int64(number))
        case .oid:
            guard let number = bytes.readInteger(as: UInt32.self) else { throw malformed(cell) }
            return int64(Int64(number))
        case .int8:
            guard let number = bytes.readInteger(as: Int64.self) else { throw malformed(cell) }
            return int64(number)
        case .float4:
            guard let bits = bytes.readInteger(as: UInt32.self) else { throw malformed(cell) }
            return double(Double(Float(bitPattern: bits)))
        case .float8:
            guard let bits = bytes.readInteger(as: UInt64.self) else { throw malformed(cell) }
            return double(Double(bitPattern: bits))
        case .numeric:
            guard let decimal = try? cell.decode(Decimal.self, context: .default) else { throw malformed(cell) }
            let text = decimal.description
            if let integer = Int64(text) { return int64(integer) }
            guard let number = Double(text) else { throw malformed(cell) }
            return double(number)
        case .text, .varchar, .bpchar, .name, .unknown, .json:
            return string(bytes.readString(length: bytes.readableBytes) ?? "")
        case .jsonb:   // a version byte (1), then the text
            _ = bytes.readInteger(as: UInt8.self)
            return string(bytes.readString(length: bytes.readableBytes) ?? "")
        case .bytea:
            return blob(Data(bytes.readableBytesView))
        case .timestamptz, .timestamp:
            guard let microseconds = bytes.readInteger(as: Int64.self) else { throw malformed(cell) }
            return string(UTCText.timestamp(microsecondsSince2000: microseconds))
        case .date:
            guard let days = bytes.readInteger(as: Int32.self) else { throw malformed(cell) }
            return string(UTCText.date(daysSince2000: Int64(days)))
        case .void:
            return .null
        default:
            throw HubError(.internal, """
                column \(cell.columnName) has PostgreSQL type \(cell.dataType) (OID \(cell.dataType.rawValue)), which \
                StoreDB does not read: cast it in the SQL (::text, ::bigint, ::double precision)
                """)
        }
    }

    private static func int64(_ value: Int64) -> DatabaseValue { value.databaseValue }
    private static func double(_ value: Double) -> DatabaseValue { value.databaseValue }
    private static func string(_ value: String) -> DatabaseValue { value.databaseValue }
    private static func blob(_ value: Data) -> DatabaseValue { value.databaseValue }

    private static func malformed(_ cell: PostgresCell) -> HubError {
        HubError(.storage, "PostgreSQL sent a malformed \(cell.dataType) value in column \(cell.columnName)")
    }
}

/// Times as GRDB writes a `Date`: `yyyy-MM-dd HH:mm:ss.SSS`, UTC, by integer arithmetic (no
/// formatter, no locale, no rounding up past the millisecond).
enum UTCText {
    /// PostgreSQL's epoch, 2000-01-01, in days since 1970-01-01.
    static let postgresEpochDay: Int64 = 10_957

    static func timestamp(microsecondsSince2000 microseconds: Int64) -> String {
        let milliseconds = floorDivide(microseconds, 1_000)
        let day = floorDivide(milliseconds, 86_400_000)
        var rest = milliseconds - day * 86_400_000
        let hour = rest / 3_600_000; rest %= 3_600_000
        let minute = rest / 60_000; rest %= 60_000
        let second = rest / 1_000, millisecond = rest % 1_000
        return date(daysSince2000: day) + " " + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2) + "." + pad(millisecond, 3)
    }

    /// The proleptic Gregorian date of a day number (Howard Hinnant's `civil_from_days`).
    static func date(daysSince2000 days: Int64) -> String {
        let z = days + postgresEpochDay + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    private static func pad(_ number: Int64, _ width: Int) -> String {
        let digits = String(number)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
