import Foundation
import HubCore

/// The views of the Billing pane, in the order `←`/`→` step through them.
enum BillingSection: Int, CaseIterable, Sendable {
    case payments, packages, plans, subscriptions, codes, notices

    var title: Phrase {
        switch self {
        case .payments: .billingPayments
        case .packages: .billingPackages
        case .plans: .billingPlans
        case .subscriptions: .billingSubscriptions
        case .codes: .billingCodes
        case .notices: .billingNotices
        }
    }

    /// The read that fills this view.
    var query: BillingQuery {
        switch self {
        case .payments: .payments
        case .packages: .packages
        case .plans: .plans
        case .subscriptions: .subscriptions
        case .codes: .codeBatches
        case .notices: .notices
        }
    }
}

/// What the Billing and Revenue panes show: the hub's latest answers.
struct BillingData: Sendable {
    var payments: [Payment] = []
    var packages: [CreditPackage] = []
    var plans: [Plan] = []
    var subscriptions: [SubscriptionInfo] = []
    var batches: [RedemptionBatchInfo] = []
    var notices: [OutboxEntry] = []
    var revenue: [RevenueRow] = []
    /// The period of the rows in `revenue`.
    var revenueBy: Admin.RevenueSummary.Period = .day
    /// Views answered at least once (before that they say "loading…").
    var loaded: Set<BillingSection> = []

    var pendingPayments: Int { payments.filter { $0.status == .pending }.count }
}

/// A read of the Billing and Revenue panes.
public enum BillingQuery: Sendable, Equatable {
    case payments, packages, plans, subscriptions, codeBatches, notices
    case revenue(Admin.RevenueSummary.Period)
    /// What resolving a pending payment would do (`payments.preview`), for its confirmation.
    case resolvePreview(payment: Int64, user: String, package: String?)
}

/// The hub's answer to a ``BillingQuery`` or a created batch of codes.
public enum BillingAnswer: Sendable {
    case payments([Payment])
    case packages([CreditPackage])
    case plans([Plan])
    case subscriptions([SubscriptionInfo])
    case codeBatches([RedemptionBatchInfo])
    case notices([OutboxEntry])
    case revenue(Admin.RevenueSummary.Period, [RevenueRow])
    case preview(PaymentResolvePreview)
    /// The codes of a new batch: shown once, the hub keeps only their hashes.
    case createdCodes(CreatedRedemptionBatch)
}

/// A code batch as the Codes view's form asks for it.
public struct CodeBatchRequest: Sendable, Equatable {
    public var count: Int
    public var value: Amount
    public var expires: Date?
    public var maxPerUser: Int?
    public var note: String?

    var method: Admin.CodesCreate {
        Admin.CodesCreate(count: count, value: value, expires: expires, maxPerUser: maxPerUser, note: note)
    }
}

/// A billing change, only ever sent after its confirmation. Each carries the idempotency key made
/// when the confirmation opened (`console:<uuid>`): a resend after a lost answer is applied once.
public enum BillingMutation: Sendable, Equatable {
    case resolvePayment(id: Int64, user: String, package: String?, key: String)
    case disablePackage(String, key: String)
    case disablePlan(String, key: String)
    case disableCodes(batch: Int64, key: String)
    case startSubscription(user: String, plan: String, key: String)
    case cancelSubscription(user: String, key: String)
    case createCodes(CodeBatchRequest, key: String)

    var key: String {
        switch self {
        case .resolvePayment(_, _, _, let key), .disablePackage(_, let key), .disablePlan(_, let key), .disableCodes(_, let key),
             .startSubscription(_, _, let key), .cancelSubscription(_, let key), .createCodes(_, let key): key
        }
    }

    /// What to reload after it succeeds.
    var reloads: [Query] {
        switch self {
        case .resolvePayment(_, let user, _, _):
            [.users, .userDetail(user), .billing(.payments), .billing(.notices)]
        case .disablePackage: [.billing(.packages)]
        case .disablePlan: [.billing(.plans)]
        case .disableCodes, .createCodes: [.billing(.codeBatches)]
        case .startSubscription(let user, _, _), .cancelSubscription(let user, _):
            [.users, .userDetail(user), .billing(.subscriptions)]
        }
    }
}

/// Keys of the Billing pane's views and the Revenue pane.
public enum BillingAction: Hashable, Sendable {
    case nextSection, previousSection, resolve, disable, startSubscription, cancelSubscription, createCodes, revenuePeriod
}

/// The forms of the Billing pane.
enum BillingForm: Sendable, Equatable {
    case resolve(Payment)
    /// With the plans and the loaded users' balances (by lower-cased name), for the effect lines.
    case startSubscription(plans: [Plan], balances: [String: Amount])
    /// Expiry in days is counted from `now`.
    case createCodes(now: Date)
}
