import Foundation
import GRDB

/// A subscription with its user's and plan's names, for lists.
public struct SubscriptionInfo: Codable, Sendable, Equatable, FetchableRecord {
    public var subscription: Subscription
    public var userName: String
    public var planName: String

    public init(row: Row) throws {
        subscription = try Subscription(row: row)
        userName = row["user_name"]
        planName = row["plan_name"]
    }

    static let query = """
        SELECT s.*, u.name AS user_name, p.name AS plan_name FROM subscriptions s
        JOIN users u ON u.id = s.user_id JOIN plans p ON p.id = s.plan_id
        """
}

extension Admin {
    /// `plans.add`: credits granted every month or year.
    public struct PlansAdd: AdminMethod {
        public static let name = "plans.add"
        public var name: String
        public var interval: PlanInterval
        public var credits: Amount
        public var price: Amount?
        public var currency: String?
        public var rolloverCap: Amount?

        public init(name: String, interval: PlanInterval, credits: Amount, price: Amount? = nil, currency: String? = nil,
                    rolloverCap: Amount? = nil) {
            self.name = name; self.interval = interval; self.credits = credits; self.price = price
            self.currency = currency; self.rolloverCap = rolloverCap
        }

        public func run(_ context: AdminContext) async throws -> Plan {
            let name = try Validate.name(self.name, of: "plan")
            let now = Date()
            let newPlan = Plan(id: nil, name: name, interval: interval, credits: try Validate.positive(credits, "credits"),
                            price: try Validate.nonNegative(price ?? .zero, "the price"), currency: try Currency.code(currency ?? "usd"),
                            rolloverCap: try rolloverCap.map { amount throws(HubError) in try Validate.nonNegative(amount, "the rollover cap") },
                            active: true, createdAt: now, updatedAt: now)
            return try await context.write { db in
                if try Plan.fetchOne(db, sql: "SELECT * FROM plans WHERE lower(name) = lower(?)", arguments: [name]) != nil {
                    throw HubError(.alreadyExists, "a plan named '\(name)' already exists")
                }
                var plan = newPlan
                try plan.insert(db)
                try context.audit(db, Self.name, target: "plan:\(name)", before: Plan?.none, after: plan)
                return plan
            }
        }
    }

    /// `plans.list`: every plan, active ones first.
    public struct PlansList: AdminMethod {
        public static let name = "plans.list"
        public static let mutates = false
        public init() {}
        public func run(_ context: AdminContext) async throws -> [Plan] {
            try await context.read { db in try Plan.fetchAll(db, sql: "SELECT * FROM plans ORDER BY active DESC, \(db.binaryOrder("lower(name)"))") }
        }
    }

    /// `plans.update`: changes take effect from the next period.
    public struct PlansUpdate: AdminMethod {
        public static let name = "plans.update"
        public var plan: String
        public var credits: Amount?
        public var price: Amount?
        public var rolloverCap: Amount?
        public var active: Bool?

        public init(plan: String, credits: Amount? = nil, price: Amount? = nil, rolloverCap: Amount? = nil, active: Bool? = nil) {
            self.plan = plan; self.credits = credits; self.price = price; self.rolloverCap = rolloverCap; self.active = active
        }

        public func run(_ context: AdminContext) async throws -> Plan {
            let credits = try credits.map { amount throws(HubError) in try Validate.positive(amount, "credits") }
            let price = try price.map { amount throws(HubError) in try Validate.nonNegative(amount, "the price") }
            let cap = try rolloverCap.map { amount throws(HubError) in try Validate.nonNegative(amount, "the rollover cap") }
            return try await context.write { db in
                let before = try PlanLookup.find(plan, db)
                var after = before
                if let credits { after.credits = credits }
                if let price { after.price = price }
                if let cap { after.rolloverCap = cap }
                if let active { after.active = active }
                guard after != before else { return before }
                after.updatedAt = Date()
                try after.update(db)
                try context.audit(db, Self.name, target: "plan:\(before.name)", before: before, after: after)
                return after
            }
        }
    }

    /// `plans.disable`: no new subscriptions; running ones continue.
    public struct PlansDisable: AdminMethod {
        public static let name = "plans.disable"
        public var plan: String
        /// Applied once per key (a console dialog's `console:<uuid>`): a resend answers `duplicate`.
        public var idempotencyKey: String?
        public init(plan: String, idempotencyKey: String? = nil) { self.plan = plan; self.idempotencyKey = idempotencyKey }
        public func run(_ context: AdminContext) async throws -> Plan {
            try await context.write { db in
                try context.claim(idempotencyKey, for: Self.name, db)
                let before = try PlanLookup.find(plan, db)
                guard before.active else { throw HubError(.failedPrecondition, "plan \(before.name) is already disabled") }
                var after = before
                after.active = false
                after.updatedAt = Date()
                try after.update(db)
                try context.audit(db, Self.name, target: "plan:\(before.name)", before: before, after: after)
                return after
            }
        }
    }

    /// `subscriptions.start`: puts a user on a plan from now. Renewed by the hub at each period's
    /// end, unless `externalRef` names the processor's subscription (then `invoice.paid` renews it).
    public struct SubscriptionsStart: AdminMethod {
        public static let name = "subscriptions.start"
        public var user: String
        public var plan: String
        public var externalRef: String?
        /// Applied once per key (a console dialog's `console:<uuid>`): a resend answers `duplicate`.
        public var idempotencyKey: String?

        public init(user: String, plan: String, externalRef: String? = nil, idempotencyKey: String? = nil) {
            self.user = user; self.plan = plan; self.externalRef = externalRef; self.idempotencyKey = idempotencyKey
        }

        public func run(_ context: AdminContext) async throws -> Subscription {
            try await context.write { db in
                try context.claim(idempotencyKey, for: Self.name, db)
                let user = try Lookup.user(db, user)
                let plan = try PlanLookup.find(self.plan, db)
                guard plan.active else { throw HubError(.failedPrecondition, "plan \(plan.name) is disabled") }
                if try Subscription.fetchOne(db, sql: "SELECT * FROM subscriptions WHERE user_id = ? AND status <> ?",
                                             arguments: [user.id, SubscriptionStatus.cancelled.rawValue]) != nil {
                    throw HubError(.alreadyExists, "\(user.name) already has a subscription: cancel it first")
                }
                let now = Date()
                var subscription = Subscription(
                    id: nil, userId: user.id!, planId: plan.id!, status: .active, renewal: externalRef == nil ? .hub : .processor,
                    externalRef: externalRef, periodStart: now, periodEnd: plan.interval.end(after: now), createdAt: now,
                    cancelledAt: nil)
                try subscription.insert(db)
                if subscription.renewal == .hub { try Subscriptions.grant(subscription, plan: plan, db, at: now) }
                try context.audit(db, Self.name, target: "user:\(user.name)", before: Subscription?.none, after: subscription)
                return subscription
            }
        }
    }

    /// `subscriptions.cancel`: no more renewals; this period's plan credits stay until its end.
    public struct SubscriptionsCancel: AdminMethod {
        public static let name = "subscriptions.cancel"
        public var user: String
        /// Applied once per key (a console dialog's `console:<uuid>`): a resend answers `duplicate`.
        public var idempotencyKey: String?
        public init(user: String, idempotencyKey: String? = nil) { self.user = user; self.idempotencyKey = idempotencyKey }

        public func run(_ context: AdminContext) async throws -> Subscription {
            try await context.write { db in
                try context.claim(idempotencyKey, for: Self.name, db)
                let user = try Lookup.user(db, user)
                guard let before = try Subscription.fetchOne(db, sql: "SELECT * FROM subscriptions WHERE user_id = ? AND status <> ?",
                                                             arguments: [user.id, SubscriptionStatus.cancelled.rawValue]) else {
                    throw HubError.notFound("\(user.name) has no subscription")
                }
                var after = before
                after.status = .cancelled
                after.cancelledAt = Date()
                try after.update(db)
                try context.audit(db, Self.name, target: "user:\(user.name)", before: before, after: after)
                return after
            }
        }
    }

    /// `subscriptions.list`: of one user, or all.
    public struct SubscriptionsList: AdminMethod {
        public static let name = "subscriptions.list"
        public static let mutates = false
        public var user: String?
        public init(user: String? = nil) { self.user = user }

        public func run(_ context: AdminContext) async throws -> [SubscriptionInfo] {
            try await context.read { db in
                if let user {
                    let id = try Lookup.user(db, user).id
                    return try SubscriptionInfo.fetchAll(db, sql: SubscriptionInfo.query + " WHERE s.user_id = ? ORDER BY s.id DESC",
                                                         arguments: [id])
                }
                return try SubscriptionInfo.fetchAll(db, sql: SubscriptionInfo.query + " ORDER BY s.id DESC")
            }
        }
    }
}

enum PlanLookup {
    static func find(_ reference: String, _ db: StoreDB) throws -> Plan {
        let reference = reference.trimmingSpaces
        let found = if let id = Int64(reference) { try Plan.fetchOne(db, key: id) } else {
            try Plan.fetchOne(db, sql: "SELECT * FROM plans WHERE lower(name) = lower(?)", arguments: [reference])
        }
        guard let found else { throw HubError.notFound("unknown plan '\(reference)'") }
        return found
    }
}
