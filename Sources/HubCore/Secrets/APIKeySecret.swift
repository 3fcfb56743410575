import Crypto
import Foundation

/// Client API keys: `ahk_` + 48 hex digits of randomness. Only the SHA-256 is stored.
public enum APIKeySecret {
    public static let scheme = "ahk_"
    /// Characters kept in clear so that a person can recognise a key in a list.
    static let visiblePrefixLength = 12

    /// A new random key, to be shown once.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return scheme + bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// The stored form of a key: lowercase hex SHA-256.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func visiblePrefix(of secret: String) -> String {
        String(secret.prefix(visiblePrefixLength))
    }
}
