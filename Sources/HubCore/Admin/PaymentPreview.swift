import Foundation
import GRDB

/// What `payments.resolve` would do, for a confirmation to show before it is sent.
public struct PaymentResolvePreview: Codable, Sendable, Equatable {
    public var payment: Payment
    /// The user the payment would go to.
    public var user: String
    /// The package it would buy, or the plan it would renew.
    public var package: String?
    public var packageActive: Bool?
    public var plan: String?
    /// Credits the resolve adds (a plan period already granted adds none).
    public var credits: Amount
    public var balanceBefore: Amount
    public var balanceAfter: Amount
    /// Refunds that waited for this purchase: applied right after it (they take credits back).
    public var refundsWaiting: Int
}

extension Admin {
    /// `payments.preview`: the effect of `payments.resolve` with the same parameters, without making
    /// it. Refuses what the resolve would refuse (unknown payment, user or package; not pending).
    public struct PaymentsPreview: AdminMethod {
        public static let name = "payments.preview"
        public static let mutates = false
        public var payment: Int64
        public var user: String
        public var package: String?

        public init(payment: Int64, user: String, package: String? = nil) {
            self.payment = payment; self.user = user; self.package = package
        }

        public func run(_ context: AdminContext) async throws -> PaymentResolvePreview {
            try await context.read { db in
                guard let payment = try Payment.fetchOne(db, key: self.payment) else {
                    throw HubError.notFound("unknown payment #\(self.payment)")
                }
                let user = try Lookup.user(db, user)
                guard payment.kind == .purchase else {
                    throw HubError(.failedPrecondition, "payment #\(self.payment) is a refund: it is applied when its purchase is")
                }
                guard payment.status == .pending else { throw HubError(.failedPrecondition, "payment #\(self.payment) is already applied") }
                var preview = PaymentResolvePreview(payment: payment, user: user.name, credits: .zero, balanceBefore: user.balance,
                                                    balanceAfter: user.balance, refundsWaiting: 0)
                if package == nil, let reference = payment.planRef {
                    let plan = try PlanLookup.find(reference, db)
                    preview.plan = plan.name
                    preview.credits = plan.credits
                } else {
                    guard let reference = package ?? payment.packageRef else {
                        throw HubError.invalid("payment #\(self.payment) names no package: give one")
                    }
                    let package = try PackageLookup.find(reference, db)
                    preview.package = package.name
                    preview.packageActive = package.active
                    preview.credits = package.totalCredits
                    if let ref = payment.paymentRef {
                        preview.refundsWaiting = try Int.fetchOne(db, sql: """
                            SELECT count(*) FROM payments
                            WHERE processor = ? AND payment_ref = ? AND kind = ? AND status = ?
                            """, arguments: [payment.processor.rawValue, ref, PaymentKind.refund.rawValue,
                                             PaymentStatus.pending.rawValue]) ?? 0
                    }
                }
                preview.balanceAfter = try user.balance.adding(preview.credits)
                return preview
            }
        }
    }
}
