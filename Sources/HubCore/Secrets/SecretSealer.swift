import Crypto
import Foundation

/// Seals provider secrets with AES-256-GCM under the hub's secret key.
///
/// The key comes from `AIGNE_HUB_SECRET_KEY` (base64 of 32 bytes) if set, else from the file
/// `secret.key` in the data directory (base64, created with mode 0600 by `init`). There is no
/// fallback: without the key no secret is stored, and a wrong key is a clear error, never garbage.
public struct SecretSealer: Sendable {
    public static let environmentVariable = "AIGNE_HUB_SECRET_KEY"
    private static let keyCheckPlaintext = "aigne-hub key check v1"

    /// The raw key bytes (`SymmetricKey` is not `Sendable` in swift-crypto 3).
    private let keyBytes: [UInt8]

    init(key: SymmetricKey) { keyBytes = key.withUnsafeBytes { Array($0) } }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// Loads the key from the environment, else from the data directory's key file.
    public static func load(
        for directory: DataDirectory, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(HubError) -> SecretSealer {
        if let encoded = environment[environmentVariable], !encoded.isEmpty {
            return try SecretSealer(key: decodeKey(encoded, source: "$\(environmentVariable)"))
        }
        let path = directory.secretKeyURL.path
        guard let contents = FileManager.default.contents(atPath: path),
              let text = String(data: contents, encoding: .utf8) else {
            throw HubError(.secretKey, "no secret key: \(path) is missing and \(environmentVariable) is not set")
        }
        return try SecretSealer(key: decodeKey(text, source: path))
    }

    /// Creates a new random key file with mode 0600. Refuses to overwrite an existing one.
    public static func createKeyFile(for directory: DataDirectory) throws(HubError) -> SecretSealer {
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        let path = directory.secretKeyURL.path
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw HubError(.secretKey, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(encoded.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else {
            throw HubError(.secretKey, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        return SecretSealer(key: key)
    }

    private static func decodeKey(_ text: String, source: String) throws(HubError) -> SymmetricKey {
        guard let data = Data(base64Encoded: text.trimmingSpaces), data.count == 32 else {
            throw HubError(.secretKey, "the secret key in \(source) is not base64 of 32 bytes")
        }
        return SymmetricKey(data: data)
    }

    public func seal(_ secret: String) throws(HubError) -> Data {
        do {
            guard let combined = try AES.GCM.seal(Data(secret.utf8), using: key).combined else {
                throw HubError(.internal, "AES-GCM produced no combined box")
            }
            return combined
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError(.internal, "cannot seal a secret: \(error)")
        }
    }

    public func unseal(_ sealed: Data) throws(HubError) -> String {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            let plain = try AES.GCM.open(box, using: key)
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw HubError(.secretKey, "a stored secret cannot be opened: the secret key is not the one that sealed it")
        }
    }

    /// A sealed known value, kept in the settings row so that a wrong key is caught when the hub
    /// opens, not at the first upstream call.
    package func makeKeyCheck() throws(HubError) -> Data { try seal(Self.keyCheckPlaintext) }

    func verify(keyCheck: Data) throws(HubError) {
        guard (try? unseal(keyCheck)) == Self.keyCheckPlaintext else {
            throw HubError(.secretKey, "the secret key does not match this hub's database (wrong secret.key or \(Self.environmentVariable))")
        }
    }

    /// The masked form shown on screens and in lists: `sk-…7Qa4`. Short secrets show nothing.
    public static func mask(_ secret: String) -> String {
        let characters = Array(secret)
        guard characters.count >= 12 else { return "••••" }
        return String(characters.prefix(3)) + "…" + String(characters.suffix(4))
    }
}
