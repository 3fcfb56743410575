import Crypto
import Foundation
import GRDB

/// A batch of redemption codes made at once: each worth `value` credits, until `expiresAt`, at most
/// `maxPerUser` of the batch per user.
public struct RedemptionBatch: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "redemption_batches"
    public var id: Int64?
    public var value: Amount
    public var count: Int
    public var expiresAt: Date?
    public var maxPerUser: Int?
    public var note: String?
    public var disabledAt: Date?
    public var createdBy: String
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One code: only its hash is stored.
struct StoredRedemptionCode: HubRecord, Equatable {
    static let databaseTableName = "redemption_codes"
    var id: Int64?
    var batchId: Int64
    var hash: String
    var hint: String
    var redeemedBy: Int64?
    var redeemedAt: Date?
    var ledgerId: Int64?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A batch as listed: how many of its codes were used.
public struct RedemptionBatchInfo: Codable, Sendable, Equatable, FetchableRecord {
    public var batch: RedemptionBatch
    public var redeemed: Int

    public init(row: Row) throws {
        batch = try RedemptionBatch(row: row)
        redeemed = row["redeemed"]
    }
}

/// A new batch with its codes in clear: shown this once, stored nowhere.
public struct CreatedRedemptionBatch: Codable, Sendable, Equatable {
    public var batch: RedemptionBatch
    public var codes: [String]
}

/// What a redemption did.
public struct Redemption: Codable, Sendable, Equatable {
    public var batchId: Int64
    public var credits: Amount
    public var balance: Amount
    public var ledgerId: Int64
}

/// Making and redeeming codes. A redemption marks the code and posts its grant in one transaction:
/// under any concurrency a code is used exactly once.
public enum RedemptionCodes {
    /// Crockford's base32 (no I, L, O, U): easy to read out and type.
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// `AHR-XXXX-XXXX-XXXX-XXXX`: 80 random bits.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return "AHR-" + stride(from: 0, to: 16, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// The canonical form (upper case, no dashes or spaces) and its SHA-256.
    static func hash(_ code: String) -> String {
        let canonical = code.uppercased().filter { $0 != "-" && !$0.isWhitespace }
        return SHA256.hash(data: Data(canonical.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Redeems `code` for `userId`. Refusals change nothing and say why.
    package static func redeem(_ code: String, userId: Int64, actor: String, _ db: StoreDB, now: Date = Date()) throws -> Redemption {
        let trimmed = code.trimmingSpaces
        guard !trimmed.isEmpty, trimmed.count <= 64 else { throw HubError.invalid("give a redemption code") }
        guard var stored = try StoredRedemptionCode.fetchOne(db, sql: "SELECT * FROM redemption_codes WHERE hash = ? LIMIT 1",
                                                          arguments: [hash(trimmed)]),
              let batch = try RedemptionBatch.fetchOne(db, key: stored.batchId) else {
            throw HubError.notFound("unknown redemption code")
        }
        guard stored.redeemedAt == nil else { throw HubError(.failedPrecondition, "this code was already used") }
        guard batch.disabledAt == nil else { throw HubError(.failedPrecondition, "this code was disabled") }
        if let expiry = batch.expiresAt, expiry <= now { throw HubError(.failedPrecondition, "this code expired") }
        if let cap = batch.maxPerUser {
            let used = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM redemption_codes WHERE batch_id = ? AND redeemed_by = ?",
                                        arguments: [batch.id, userId]) ?? 0
            guard used < cap else {
                throw HubError(.failedPrecondition, "at most \(cap) code\(cap == 1 ? "" : "s") of this batch per user")
            }
        }
        let entry = try Ledger.post(db, userId: userId, kind: .grant, amount: batch.value, actor: actor,
                                    reason: "redemption code …\(stored.hint) (batch \(batch.id ?? 0))",
                                    idempotencyKey: "code:\(stored.id ?? 0)", at: now)
        stored.redeemedBy = userId
        stored.redeemedAt = now
        stored.ledgerId = entry.id
        try stored.update(db)
        return Redemption(batchId: batch.id ?? 0, credits: batch.value, balance: entry.balanceAfter, ledgerId: entry.id ?? 0)
    }
}
