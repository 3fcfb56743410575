import Foundation

/// A model glob of a key scope: `*` any run of characters, `?` one character, compared without
/// regard to case against `provider/model` and against the name the client asked for.
public struct ModelGlob: Sendable, Equatable {
    public let pattern: String
    private let characters: [Character]

    public init(_ raw: String) throws(HubError) {
        let pattern = raw.trimmingCharacters(in: .whitespaces)
        guard !pattern.isEmpty, pattern.count <= 200 else {
            throw HubError.invalid("a model pattern must be 1-200 characters, got '\(raw)'")
        }
        try Validate.plainText(pattern, "the model pattern")
        self.pattern = pattern
        characters = Array(pattern.lowercased())
    }

    public func matches(_ name: String) -> Bool {
        Self.match(characters[...], Array(name.lowercased())[...])
    }

    private static func match(_ pattern: ArraySlice<Character>, _ text: ArraySlice<Character>) -> Bool {
        // Iterative wildcard matching with one backtrack point: linear in practice.
        var p = pattern.startIndex, t = text.startIndex
        var star: Int?, resume = text.startIndex
        while t < text.endIndex {
            if p < pattern.endIndex, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1; t += 1
            } else if p < pattern.endIndex, pattern[p] == "*" {
                star = p; resume = t; p += 1
            } else if let star {
                p = star + 1; resume += 1; t = resume
            } else {
                return false
            }
        }
        while p < pattern.endIndex, pattern[p] == "*" { p += 1 }
        return p == pattern.endIndex
    }
}

/// A client address range: `10.0.0.0/8`, `2001:db8::/32`, or one address (a /32 or /128).
public struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    /// 4 or 16 bytes, with the host bits cleared.
    public let network: [UInt8]
    public let prefixLength: Int

    public init(_ raw: String) throws(HubError) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = Self.parse(String(parts[0])) else {
            throw HubError.invalid("'\(raw)' is not an address range: use CIDR such as 10.0.0.0/8 or 2001:db8::/32")
        }
        let bits = address.count * 8
        let length: Int
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...bits).contains(given) else {
                throw HubError.invalid("'\(raw)': the prefix length must be 0-\(bits)")
            }
            length = given
        } else {
            length = bits
        }
        network = Self.masked(address, length)
        prefixLength = length
    }

    public var description: String {
        let address: String
        if network.count == 4 {
            address = network.map(String.init).joined(separator: ".")
        } else {
            address = stride(from: 0, to: 16, by: 2).map { String(UInt16(network[$0]) << 8 | UInt16(network[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        }
        return "\(address)/\(prefixLength)"
    }

    /// Whether `address` (text, IPv4 or IPv6; an IPv4-mapped IPv6 address counts as IPv4) is inside.
    public func contains(_ address: String) -> Bool {
        guard var bytes = Self.parse(address) else { return false }
        if bytes.count == 16, network.count == 4, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            bytes = Array(bytes[12...])
        }
        return bytes.count == network.count && Self.masked(bytes, prefixLength) == network
    }

    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        var host = text
        if let percent = host.firstIndex(of: "%") { host = String(host[..<percent]) }   // zone index
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let keep = max(0, min(8, length - index * 8))
            return keep == 8 ? byte : byte & UInt8(truncatingIfNeeded: 0xff << (8 - keep))
        }
    }
}
