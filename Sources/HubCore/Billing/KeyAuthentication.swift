import Crypto

extension HubCatalog {
    /// The owner of the API key `secret`, if it is a known key. The hash is computed without
    /// Foundation formatting (this runs on every request).
    public func keyOwner(secret: String) -> KeyOwner? {
        keysByHash[HubCatalog.hashKey(secret)]
    }

    /// Lowercase hex SHA-256, the stored form of an API key (same value as `APIKeySecret.hash`).
    public static func hashKey(_ secret: String) -> String {
        let digest = SHA256.hash(data: Array(secret.utf8))
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
