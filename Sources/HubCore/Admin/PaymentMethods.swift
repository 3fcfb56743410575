import Foundation
import GRDB

extension Admin {
    /// `payments.list`: payments received by webhook, newest first; `pending` for those support must resolve.
    public struct PaymentsList: AdminMethod {
        public static let name = "payments.list"
        public static let mutates = false
        public var pending: Bool?
        public var user: String?
        public var limit: Int?

        public init(pending: Bool? = nil, user: String? = nil, limit: Int? = nil) {
            self.pending = pending; self.user = user; self.limit = limit
        }

        public func run(_ context: AdminContext) async throws -> [Payment] {
            let limit = try Validate.limit(limit, default: 100, max: 100_000)
            return try await context.read { db in
                var conditions: [String] = []
                var arguments: StoreArguments = []
                if pending == true {
                    conditions.append("status = ?")
                    arguments += [PaymentStatus.pending.rawValue]
                }
                if let user {
                    conditions.append("user_id = ?")
                    arguments += [(try Lookup.user(db, user)).id]
                }
                let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
                arguments += [limit]
                return try Payment.fetchAll(db, sql: "SELECT * FROM payments\(filter) ORDER BY id DESC LIMIT ?", arguments: arguments)
            }
        }
    }

    /// `payments.resolve`: applies a pending purchase to the user support identified, with the
    /// package the event named (or the one given). Audited; refunds that waited for it follow.
    public struct PaymentsResolve: AdminMethod {
        public static let name = "payments.resolve"
        public var payment: Int64
        public var user: String
        public var package: String?
        /// Applied once per key (a console dialog's `console:<uuid>`): a resend answers `duplicate`.
        public var idempotencyKey: String?

        public init(payment: Int64, user: String, package: String? = nil, idempotencyKey: String? = nil) {
            self.payment = payment; self.user = user; self.package = package; self.idempotencyKey = idempotencyKey
        }

        public func run(_ context: AdminContext) async throws -> Payment {
            try await context.write { db in
                try context.claim(idempotencyKey, for: Self.name, db)
                guard var payment = try Payment.fetchOne(db, key: self.payment) else {
                    throw HubError.notFound("unknown payment #\(self.payment)")
                }
                let before = payment
                let user = try Lookup.user(db, user)
                if package == nil, let plan = payment.planRef {
                    try PaymentBook.resolve(&payment, user: user, plan: try PlanLookup.find(plan, db), actor: context.actor, db)
                    try context.audit(db, Self.name, target: "payment:\(self.payment)", before: before, after: payment)
                    return payment
                }
                guard let reference = package ?? payment.packageRef else {
                    throw HubError.invalid("payment #\(self.payment) names no package: give one")
                }
                let package = try PackageLookup.find(reference, db)
                try PaymentBook.resolve(&payment, user: user, package: package, actor: context.actor, db)
                try context.audit(db, Self.name, target: "payment:\(self.payment)", before: before, after: payment)
                return payment
            }
        }
    }

    /// `webhook_secrets.add`: a signing secret for a processor's webhooks, sealed with the hub's key.
    /// Add the new one before removing the old: both are accepted meanwhile.
    public struct WebhookSecretsAdd: AdminMethod {
        public static let name = "webhook_secrets.add"
        public var processor: PaymentProcessor
        public var secret: String

        public init(processor: PaymentProcessor, secret: String) { self.processor = processor; self.secret = secret }

        public func run(_ context: AdminContext) async throws -> WebhookSecretInfo {
            let secret = secret.trimmingSpaces
            guard secret.count >= 16 else { throw HubError.invalid("a webhook secret has at least 16 characters") }
            let sealed = try context.sealer.seal(secret)
            return try await context.write { db in
                var stored = StoredWebhookSecret(id: nil, processor: processor, sealedSecret: sealed,
                                                 secretHint: SecretSealer.mask(secret), createdAt: Date())
                try stored.insert(db)
                let info = WebhookSecretInfo(stored)
                try context.audit(db, Self.name, target: "webhook_secret:\(processor.rawValue)", before: WebhookSecretInfo?.none, after: info)
                return info
            }
        }
    }

    /// `webhook_secrets.list`: the secrets, masked.
    public struct WebhookSecretsList: AdminMethod {
        public static let name = "webhook_secrets.list"
        public static let mutates = false
        public init() {}

        public func run(_ context: AdminContext) async throws -> [WebhookSecretInfo] {
            try await context.read { db in
                try StoredWebhookSecret.fetchAll(db, sql: "SELECT * FROM webhook_secrets ORDER BY processor, id")
                    .map(WebhookSecretInfo.init)
            }
        }
    }

    /// `webhook_secrets.remove`: events signed only with it are refused from now on.
    public struct WebhookSecretsRemove: AdminMethod {
        public static let name = "webhook_secrets.remove"
        public var id: Int64
        public init(id: Int64) { self.id = id }

        public func run(_ context: AdminContext) async throws -> Done {
            try await context.write { db in
                guard let stored = try StoredWebhookSecret.fetchOne(db, key: id) else {
                    throw HubError.notFound("unknown webhook secret #\(id)")
                }
                try stored.delete(db)
                try context.audit(db, Self.name, target: "webhook_secret:\(stored.processor.rawValue)",
                                  before: WebhookSecretInfo(stored), after: WebhookSecretInfo?.none)
                return Done()
            }
        }
    }
}
