import Foundation
import GRDB

/// What the hub did with one payment event.
public struct PaymentReceipt: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        /// Credits moved (or a refund was recorded).
        case applied
        /// Kept for support to resolve (`aigne-hub admin payments resolve`).
        case pending
        /// This event was received before: nothing was done again.
        case duplicate
        /// Not an event the hub acts on.
        case ignored
    }

    public var outcome: Outcome
    public var payment: Payment?
    public var note: String?
}

/// Applies payment events to balances, each exactly once: the payment row (unique per processor
/// and event id) and its ledger entry are written in the caller's transaction, so a replay, even
/// one racing the original, finds the row and changes nothing.
public enum PaymentBook {
    /// Receives a verified event.
    package static func receive(_ event: PaymentEvent, _ db: StoreDB, now: Date = Date()) throws -> PaymentReceipt {
        if let earlier = try Payment.fetchOne(db, sql: "SELECT * FROM payments WHERE processor = ? AND event_id = ? LIMIT 1",
                                              arguments: [event.processor.rawValue, event.eventId]) {
            return PaymentReceipt(outcome: .duplicate, payment: earlier, note: "event \(event.eventId) was received before")
        }
        let kind: PaymentKind
        switch event.action {
        case .ignore(let why): return PaymentReceipt(outcome: .ignored, payment: nil, note: why)
        case .purchase: kind = .purchase
        case .refund: kind = .refund
        }
        var payment = Payment(
            id: nil, processor: event.processor, eventId: event.eventId, eventType: event.eventType, kind: kind,
            status: .pending, paymentRef: event.paymentRef, userRef: event.userRef, packageRef: event.packageRef,
            planRef: event.planRef, userId: nil, packageId: nil, amount: event.amount, currency: event.currency, refunded: .zero,
            credits: .zero, owed: .zero, note: nil, ledgerId: nil, createdAt: now, resolvedAt: nil, resolvedBy: nil)
        switch kind {
        case .purchase:
            let user = payment.userRef.flatMap { try? Lookup.user(db, $0) }
            let package = try payment.packageRef.flatMap { try CreditPackage.named($0, db) }
            let plan = event.planRef.flatMap { try? PlanLookup.find($0, db) }
            try payment.insert(db)
            if let user, let plan {
                try applyRenewal(&payment, user: user, plan: plan, externalRef: event.subscriptionRef, period: event.period, db, now: now)
            } else if let user, let package, event.planRef == nil {
                try applyPurchase(&payment, user: user, package: package, actor: actor(event.processor), db, now: now)
            } else if event.planRef != nil {
                payment.note = user == nil ? payment.userRef.map { "unknown user '\($0)'" } ?? "the invoice names no user (metadata.user)"
                    : "unknown plan '\(event.planRef ?? "")'"
                try payment.update(db)
            } else {
                payment.note = [
                    user == nil ? payment.userRef.map { "unknown user '\($0)'" } ?? "the event names no user" : nil,
                    package == nil ? payment.packageRef.map { "unknown package '\($0)'" } ?? "the event names no package" : nil,
                ].compactMap { $0 }.joined(separator: "; ")
                try payment.update(db)
            }
        case .refund:
            if let total = event.refundedTotal {
                // A running total: this event's part is what is not yet known of it.
                let known = try knownRefunded(event.processor, event.paymentRef, db)
                payment.amount = max(try total.subtracting(known), .zero)
            }
            try payment.insert(db)
            try applyRefund(&payment, db, now: now)
        }
        try notify(payment, db, at: now)
        return PaymentReceipt(outcome: payment.status == .applied ? .applied : .pending, payment: payment, note: payment.note)
    }

    /// `payment_applied` or `payment_pending`, to the operator's endpoints.
    static func notify(_ payment: Payment, _ db: StoreDB, at time: Date) throws {
        var data = ["payment": "\(payment.id ?? 0)", "processor": payment.processor.rawValue, "event_id": payment.eventId,
                    "kind": payment.kind.rawValue, "credits": payment.credits.description]
        data["user"] = payment.userRef
        if let userId = payment.userId { data["user_id"] = "\(userId)" }
        if payment.owed.isPositive { data["owed"] = payment.owed.description }
        if let note = payment.note { data["note"] = note }
        try Outbox.enqueue(db, payment.status == .applied ? .paymentApplied : .paymentPending, data, at: time)
    }

    /// Applies a pending purchase to `user` (support resolving it); pending refunds of the same
    /// payment follow in the same transaction.
    static func resolve(_ payment: inout Payment, user: User, package: CreditPackage, actor: String,
                        _ db: StoreDB, now: Date = Date()) throws {
        guard payment.kind == .purchase else {
            throw HubError(.failedPrecondition, "payment #\(payment.id ?? 0) is a refund: it is applied when its purchase is")
        }
        guard payment.status == .pending else {
            throw HubError(.failedPrecondition, "payment #\(payment.id ?? 0) is already applied")
        }
        payment.resolvedAt = now
        payment.resolvedBy = actor
        try applyPurchase(&payment, user: user, package: package, actor: actor, db, now: now)
        try notify(payment, db, at: now)
    }

    /// Applies a pending plan invoice to `user`: their subscription renews from now.
    static func resolve(_ payment: inout Payment, user: User, plan: Plan, actor: String, _ db: StoreDB, now: Date = Date()) throws {
        guard payment.status == .pending, payment.kind == .purchase else {
            throw HubError(.failedPrecondition, "payment #\(payment.id ?? 0) is not a pending purchase")
        }
        payment.resolvedAt = now
        payment.resolvedBy = actor
        try applyRenewal(&payment, user: user, plan: plan, externalRef: nil, period: nil, db, now: now)
        try notify(payment, db, at: now)
    }

    private static func applyRenewal(_ payment: inout Payment, user: User, plan: Plan, externalRef: String?,
                                     period: (start: Date, end: Date)?, _ db: StoreDB, now: Date) throws {
        let (subscription, entry) = try Subscriptions.renew(user: user, plan: plan, externalRef: externalRef, period: period, db, now: now)
        if entry != nil { try Subscriptions.notify(.renewed, subscription, db, at: now) }
        payment.status = .applied
        payment.userId = user.id
        payment.credits = entry?.amount ?? .zero
        payment.ledgerId = entry?.id
        payment.note = "plan \(plan.name): period to \(subscription.periodEnd.formatted(.iso8601))"
            + (entry == nil ? " (already granted for this period)" : "")
        try payment.update(db)
    }

    private static func applyPurchase(_ payment: inout Payment, user: User, package: CreditPackage, actor: String,
                                      _ db: StoreDB, now: Date) throws {
        let entry = try Ledger.post(
            db, userId: user.id!, kind: .purchase, amount: package.totalCredits, actor: actor,
            reason: "package \(package.name) (\(payment.processor.rawValue) \(payment.eventId))",
            idempotencyKey: ledgerKey(payment), at: now)
        payment.status = .applied
        payment.userId = user.id
        payment.packageId = package.id
        payment.credits = package.totalCredits
        payment.ledgerId = entry.id
        payment.note = package.active ? nil : "package \(package.name) is disabled: applied because it was paid for"
        try payment.update(db)
        // Refunds that arrived first (processors do not promise order) now have their purchase.
        guard let ref = payment.paymentRef else { return }
        let waiting = try Payment.fetchAll(db, sql: """
            SELECT * FROM payments WHERE processor = ? AND payment_ref = ? AND kind = ? AND status = ? ORDER BY id
            """, arguments: [payment.processor.rawValue, ref, PaymentKind.refund.rawValue, PaymentStatus.pending.rawValue])
        for var refund in waiting { try applyRefund(&refund, db, now: now) }
    }

    /// Takes back the credits a refund paid for, never below zero: what the balance cannot cover
    /// is recorded as owed. Stays pending while its purchase is unknown or not applied.
    private static func applyRefund(_ refund: inout Payment, _ db: StoreDB, now: Date) throws {
        guard let ref = refund.paymentRef, var purchase = try Payment.fetchOne(db, sql: """
            SELECT * FROM payments WHERE processor = ? AND payment_ref = ? AND kind = ? ORDER BY id LIMIT 1
            """, arguments: [refund.processor.rawValue, ref, PaymentKind.purchase.rawValue]),
              purchase.status == .applied, let userId = purchase.userId else {
            refund.note = "no applied purchase with payment reference '\(refund.paymentRef ?? "")' yet: applied when it is"
            try refund.update(db)
            return
        }
        let refundedBefore = purchase.refunded
        purchase.refunded = min(try refundedBefore.adding(refund.amount), purchase.amount)
        // Credits in proportion to the money refunded, computed on the running total so that
        // several partial refunds round once and never take back more than was bought.
        let target = purchase.amount.isPositive
            ? Amount(nanos: Int64(Amount.divideRounded(Int128(purchase.credits.nanos) * Int128(purchase.refunded.nanos),
                                                       by: Int128(purchase.amount.nanos))))
            : purchase.credits
        let before = try Amount.fetchOne(db, sql: """
            SELECT COALESCE(SUM(credits + owed), 0) FROM payments
            WHERE processor = ? AND payment_ref = ? AND kind = 'refund' AND status = 'applied'
            """, arguments: [refund.processor, ref]) ?? .zero
        let due = max(try target.subtracting(before), .zero)
        let balance = try Amount.fetchOne(db, sql: "SELECT balance FROM users WHERE id = ?", arguments: [userId]) ?? .zero
        let taken = min(due, max(balance, .zero))
        refund.owed = try due.subtracting(taken)
        refund.credits = taken
        refund.userId = userId
        refund.packageId = purchase.packageId
        refund.currency = refund.currency ?? purchase.currency
        if taken.isPositive {
            let entry = try Ledger.post(
                db, userId: userId, kind: .refund, amount: taken.negated, actor: actor(refund.processor),
                reason: "refund of payment #\(purchase.id ?? 0) (\(refund.processor.rawValue) \(refund.eventId))",
                idempotencyKey: ledgerKey(refund), at: now)
            refund.ledgerId = entry.id
        }
        refund.status = .applied
        refund.note = refund.owed.isPositive ? "\(refund.owed) credits could not be taken back: the balance was spent" : nil
        try refund.update(db)
        try db.execute(sql: "UPDATE payments SET refunded = ? WHERE id = ?", arguments: [purchase.refunded, purchase.id])
    }

    /// Money already known to be refunded from a payment: applied on its purchase, or waiting.
    private static func knownRefunded(_ processor: PaymentProcessor, _ ref: String?, _ db: StoreDB) throws -> Amount {
        guard let ref else { return .zero }
        let purchase = try Amount.fetchOne(db, sql: """
            SELECT refunded FROM payments WHERE processor = ? AND payment_ref = ? AND kind = 'purchase' ORDER BY id LIMIT 1
            """, arguments: [processor, ref]) ?? .zero
        let waiting = try Amount.fetchOne(db, sql: """
            SELECT COALESCE(SUM(amount), 0) FROM payments
            WHERE processor = ? AND payment_ref = ? AND kind = 'refund' AND status = 'pending'
            """, arguments: [processor, ref]) ?? .zero
        return try purchase.adding(waiting)
    }

    static func ledgerKey(_ payment: Payment) -> String { "payment:\(payment.id ?? 0)" }

    /// The ledger's actor for money moved by a processor's webhook.
    static func actor(_ processor: PaymentProcessor) -> String { "webhook:\(processor.rawValue)" }
}

extension CreditPackage {
    /// A package by id or name (case-insensitive), active or not; nil when there is none.
    static func named(_ reference: String, _ db: StoreDB) throws -> CreditPackage? {
        let reference = reference.trimmingSpaces
        if let id = Int64(reference) { return try CreditPackage.fetchOne(db, key: id) }
        return try CreditPackage.fetchOne(db, sql: "SELECT * FROM credit_packages WHERE lower(name) = lower(?) LIMIT 1", arguments: [reference])
    }
}
