import Crypto
import Foundation

/// Checks the signatures of incoming payment webhooks against every configured secret of their
/// processor (several at once, so that a secret can be rotated without refusing an event).
///
/// - Stripe (`Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>…]`): HMAC-SHA256, keyed with the
///   endpoint secret, over `"<t>.<raw body>"`; the timestamp must be within ``tolerance`` of now
///   (either way), and any `v1` may match (Stripe sends several while its own secret rolls).
/// - Generic (`X-Signature: sha256=<hex>`): HMAC-SHA256, keyed with the secret, over the raw body.
///
/// Every refusal is a ``HubError`` with code `permissionDenied` naming what was wrong; nothing in it
/// repeats a secret or a signature.
public enum WebhookSignature {
    /// Stripe's documented default: five minutes.
    public static let tolerance: TimeInterval = 300

    public static func verifyStripe(
        header: String?, payload: Data, secrets: [String], now: Date = Date()
    ) throws(HubError) {
        guard let header, !header.isEmpty else { throw refusal("no Stripe-Signature header") }
        var timestamp: Int64?
        var signatures: [Data] = []
        for element in header.split(separator: ",") {
            let pair = element.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "t": timestamp = Int64(pair[1])
            case "v1": if let bytes = Data(hexEncoded: pair[1]) { signatures.append(bytes) }
            default: continue   // v0 and future schemes are ignored, as Stripe asks
            }
        }
        guard let timestamp else { throw refusal("the Stripe-Signature header has no timestamp (t=)") }
        guard !signatures.isEmpty else { throw refusal("the Stripe-Signature header has no v1 signature") }
        let age = now.timeIntervalSince1970 - TimeInterval(timestamp)
        guard abs(age) <= tolerance else {
            throw refusal("the signature's timestamp is \(Int(age)) s away from now: more than the \(Int(tolerance)) s tolerance")
        }
        var signed = Data("\(timestamp).".utf8)
        signed.append(payload)
        try match(signatures, over: signed, secrets: secrets, processor: "stripe")
    }

    public static func verifyGeneric(header: String?, payload: Data, secrets: [String]) throws(HubError) {
        guard let header, !header.isEmpty else { throw refusal("no X-Signature header") }
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("sha256="), let signature = Data(hexEncoded: String(text.dropFirst(7))) else {
            throw refusal("the X-Signature header is not sha256=<hex>")
        }
        try match([signature], over: payload, secrets: secrets, processor: "generic")
    }

    /// The generic scheme's header for `payload`: what a sender (or a test) puts in `X-Signature`.
    public static func genericHeader(payload: Data, secret: String) -> String {
        "sha256=" + hex(HMAC<SHA256>.authenticationCode(for: payload, using: SymmetricKey(data: Data(secret.utf8))))
    }

    /// Stripe's header for `payload` at `timestamp`.
    public static func stripeHeader(payload: Data, secret: String, timestamp: Int64) -> String {
        var signed = Data("\(timestamp).".utf8)
        signed.append(payload)
        let code = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(timestamp),v1=\(hex(code))"
    }

    private static func match(_ signatures: [Data], over signed: Data, secrets: [String], processor: String) throws(HubError) {
        guard !secrets.isEmpty else {
            throw refusal("no \(processor) webhook secret is configured: add one with `aigne-hub admin payments secret add \(processor)`")
        }
        for secret in secrets {
            let key = SymmetricKey(data: Data(secret.utf8))
            // Constant-time comparison (swift-crypto).
            if signatures.contains(where: { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: signed, using: key) }) {
                return
            }
        }
        throw refusal("no signature matches the payload under any configured \(processor) secret")
    }

    private static func refusal(_ message: String) -> HubError { HubError(.permissionDenied, message) }

    private static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}

extension Data {
    /// Bytes from an even-length hex string; nil for anything else.
    init?(hexEncoded hex: String) {
        let digits = Array(hex.utf8)
        guard !digits.isEmpty, digits.count.isMultiple(of: 2) else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
