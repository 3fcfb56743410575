import Foundation
import GRDB

extension Admin {
    /// `codes.create`: a batch of codes worth `value` credits each. The codes are in the result
    /// only: the hub keeps their hashes.
    public struct CodesCreate: AdminMethod {
        public static let name = "codes.create"
        public var count: Int
        public var value: Amount
        public var expires: Date?
        public var maxPerUser: Int?
        public var note: String?
        /// Applied once per key (a console dialog's `console:<uuid>`): a resend answers `duplicate`.
        public var idempotencyKey: String?

        public init(count: Int, value: Amount, expires: Date? = nil, maxPerUser: Int? = nil, note: String? = nil,
                    idempotencyKey: String? = nil) {
            self.count = count; self.value = value; self.expires = expires; self.maxPerUser = maxPerUser; self.note = note
            self.idempotencyKey = idempotencyKey
        }

        public func run(_ context: AdminContext) async throws -> CreatedRedemptionBatch {
            guard (1...10_000).contains(count) else { throw HubError.invalid("count must be between 1 and 10000") }
            let value = try Validate.positive(value, "the value")
            if let expires, expires <= Date() { throw HubError.invalid("the expiry \(expires) is in the past") }
            if let maxPerUser, maxPerUser < 1 { throw HubError.invalid("max per user must be at least 1") }
            let note = try note.map { text throws(HubError) in try Validate.reason(text) }
            let codes = (0..<count).map { _ in RedemptionCodes.generate() }
            return try await context.write { db in
                try context.claim(idempotencyKey, for: Self.name, db)
                var batch = RedemptionBatch(id: nil, value: value, count: count, expiresAt: expires, maxPerUser: maxPerUser,
                                            note: note, disabledAt: nil, createdBy: context.actor, createdAt: Date())
                try batch.insert(db)
                for code in codes {
                    var stored = StoredRedemptionCode(id: nil, batchId: batch.id!, hash: RedemptionCodes.hash(code),
                                                      hint: String(code.suffix(4)), redeemedBy: nil, redeemedAt: nil, ledgerId: nil)
                    try stored.insert(db)
                }
                try context.audit(db, Self.name, target: "codes:\(batch.id!)", before: RedemptionBatch?.none, after: batch)
                return CreatedRedemptionBatch(batch: batch, codes: codes)
            }
        }
    }

    /// `codes.list`: batches, newest first, with how many codes were used.
    public struct CodesList: AdminMethod {
        public static let name = "codes.list"
        public static let mutates = false
        public init() {}

        public func run(_ context: AdminContext) async throws -> [RedemptionBatchInfo] {
            try await context.read { db in
                try RedemptionBatchInfo.fetchAll(db, sql: """
                    SELECT b.*, (SELECT COUNT(*) FROM redemption_codes c WHERE c.batch_id = b.id AND c.redeemed_at IS NOT NULL)
                      AS redeemed
                    FROM redemption_batches b ORDER BY b.id DESC
                    """)
            }
        }
    }

    /// `codes.disable`: the batch's unused codes stop working.
    public struct CodesDisable: AdminMethod {
        public static let name = "codes.disable"
        public var batch: Int64
        /// Applied once per key (a console dialog's `console:<uuid>`): a resend answers `duplicate`.
        public var idempotencyKey: String?
        public init(batch: Int64, idempotencyKey: String? = nil) { self.batch = batch; self.idempotencyKey = idempotencyKey }

        public func run(_ context: AdminContext) async throws -> RedemptionBatch {
            try await context.write { db in
                try context.claim(idempotencyKey, for: Self.name, db)
                guard let before = try RedemptionBatch.fetchOne(db, key: batch) else {
                    throw HubError.notFound("unknown code batch #\(batch)")
                }
                guard before.disabledAt == nil else { throw HubError(.failedPrecondition, "batch #\(batch) is already disabled") }
                var after = before
                after.disabledAt = Date()
                try after.update(db)
                try context.audit(db, Self.name, target: "codes:\(batch)", before: before, after: after)
                return after
            }
        }
    }

    /// `codes.redeem`: support redeems a code for a user (as the user would at `POST /v1/billing/redeem`).
    public struct CodesRedeem: AdminMethod {
        public static let name = "codes.redeem"
        public var user: String
        public var code: String
        public init(user: String, code: String) { self.user = user; self.code = code }

        public func run(_ context: AdminContext) async throws -> Redemption {
            try await context.write { db in
                let user = try Lookup.user(db, user)
                let redemption = try RedemptionCodes.redeem(code, userId: user.id!, actor: context.actor, db)
                try context.audit(db, Self.name, target: "user:\(user.name)", before: user, after: redemption)
                return redemption
            }
        }
    }
}
