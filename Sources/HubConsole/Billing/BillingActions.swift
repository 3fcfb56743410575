import Foundation
import HubCore

/// The Billing and Revenue panes' keys: each opens a form or a confirmation that shows the effect;
/// nothing reaches the hub before it is confirmed, and each confirmation makes its own
/// idempotency key.
extension ConsoleState {
    mutating func billingAction(_ action: BillingAction) -> [Effect] {
        switch action {
        case .nextSection, .previousSection:
            let count = BillingSection.allCases.count
            let step = action == .nextSection ? 1 : count - 1
            billingSection = BillingSection(rawValue: (billingSection.rawValue + step) % count)!
            return [.load(.billing(billingSection.query))]
        case .revenuePeriod:
            return [.load(.billing(.revenue(data.billing.revenueBy == .day ? .month : .day)))]
        case .resolve:
            guard let payment = selectedPayment else { return [] }
            guard payment.status == .pending, payment.kind == .purchase else {
                setStatus(strings(.paymentNotPending, String(payment.id ?? 0)), .warn)
                return []
            }
            form(.billing(.resolve(payment)), .formResolvePayment,
                 [(.fieldUser, payment.userRef ?? ""), (.fieldPackage, payment.packageRef ?? "")], titleArgument: String(payment.id ?? 0))
        case .disable:
            disableSelected()
        case .startSubscription:
            let plan = data.billing.plans.first { $0.active }?.name ?? ""
            form(.billing(.startSubscription(plans: data.billing.plans, balances: balancesByName)), .formStartSubscription,
                 [(.fieldUser, ""), (.fieldPlan, plan)])
        case .cancelSubscription:
            guard let info = selectedSubscription, info.subscription.status != .cancelled else {
                setStatus(strings(.noSubscriptionSelected), .warn)
                return []
            }
            confirm(strings(.confirmCancelSubscription, info.userName),
                    [strings(.effectCancelSubscription, info.planName, Self.shortTime(info.subscription.periodEnd))],
                    .billing(.cancelSubscription(user: info.userName, key: Mutation.newIdempotencyKey())))
        case .createCodes:
            form(.billing(.createCodes(now: now)), .formCreateCodes,
                 [(.fieldCount, "10"), (.fieldValue, ""), (.fieldExpiresDays, ""), (.fieldMaxPerUser, "1"), (.fieldNote, "")])
        }
        return []
    }

    private mutating func disableSelected() {
        let key = Mutation.newIdempotencyKey()
        switch billingSection {
        case .packages:
            guard let package = selectedPackage else { return }
            guard package.active else { return setStatus(strings(.alreadyDisabled, package.name), .warn) }
            confirm(strings(.confirmDisableTitle, package.name), [strings(.effectPackageDisabled)],
                    .billing(.disablePackage(package.name, key: key)))
        case .plans:
            guard let plan = selectedPlan else { return }
            guard plan.active else { return setStatus(strings(.alreadyDisabled, plan.name), .warn) }
            let running = data.billing.subscriptions.filter { $0.planName == plan.name && $0.subscription.status != .cancelled }.count
            confirm(strings(.confirmDisableTitle, plan.name), [strings(.effectPlanDisabled, String(running))],
                    .billing(.disablePlan(plan.name, key: key)))
        case .codes:
            guard let info = selectedBatch, let id = info.batch.id else { return }
            guard info.batch.disabledAt == nil else { return setStatus(strings(.alreadyDisabled, "#\(id)"), .warn) }
            confirm(strings(.confirmDisableTitle, strings(.codeBatchName, String(id))),
                    [strings(.effectCodesDisabled, String(info.batch.count - info.redeemed), String(info.batch.count))],
                    .billing(.disableCodes(batch: id, key: key)))
        case .payments, .subscriptions, .notices:
            break
        }
    }

    /// Balances of the loaded users, by lower-cased name (the effect lines of a subscription).
    private var balancesByName: [String: Amount] {
        Dictionary(data.users.map { ($0.user.name.lowercased(), $0.user.balance) }, uniquingKeysWith: { first, _ in first })
    }

    /// The loads that bring a billing pane up to date.
    var billingLoads: [Effect] {
        switch pane {
        case .billing: [.load(.billing(billingSection.query))] + (billingSection == .subscriptions ? [.load(.billing(.plans))] : [])
        case .revenue: [.load(.billing(.revenue(data.billing.revenueBy)))]
        default: []
        }
    }

    /// The first frame's billing loads: every view, so switching views shows data at once.
    static let billingStartLoads: [Effect] = BillingSection.allCases.map { .load(.billing($0.query)) } + [.load(.billing(.revenue(.day)))]

    // MARK: - Answers

    mutating func apply(_ answer: BillingAnswer) -> [Effect] {
        switch answer {
        case .payments(let rows): data.billing.payments = rows; data.billing.loaded.insert(.payments)
        case .packages(let rows): data.billing.packages = rows; data.billing.loaded.insert(.packages)
        case .plans(let rows): data.billing.plans = rows; data.billing.loaded.insert(.plans)
        case .subscriptions(let rows): data.billing.subscriptions = rows; data.billing.loaded.insert(.subscriptions)
        case .codeBatches(let rows): data.billing.batches = rows; data.billing.loaded.insert(.codes)
        case .notices(let rows): data.billing.notices = rows; data.billing.loaded.insert(.notices)
        case .revenue(let by, let rows):
            data.billing.revenueBy = by
            data.billing.revenue = rows
        case .preview(let preview):
            guard !readOnly, case .form(let model)? = modal, case .billing(.resolve(let payment)) = model.purpose,
                  payment.id == preview.payment.id else { return [] }   // the form was closed meanwhile
            openResolveConfirmation(preview, package: model.value(1).isEmpty ? nil : model.value(1))
            return []
        case .createdCodes(let created):
            setStatus("✓ " + strings(.doneCreateCodes, String(created.codes.count), created.batch.value.description), .ok)
            modal = .message(title: strings(.codesCreatedTitle, String(created.codes.count), created.batch.value.description),
                             lines: created.codes + ["", strings(.keyShownOnce)])
            return [.load(.billing(.codeBatches))]
        }
        data.updatedAt = now
        return []
    }

    private mutating func openResolveConfirmation(_ preview: PaymentResolvePreview, package: String?) {
        let payment = preview.payment
        var lines = [strings(.effectPayment, payment.processor.rawValue, payment.eventId,
                             payment.amount.description + " " + (payment.currency ?? "").uppercased())]
        let what = preview.plan.map { strings(.effectPlanName, $0) } ?? strings(.effectPackageName, preview.package ?? "")
        lines.append(strings(.effectCredits, preview.user, "+" + preview.credits.description, what))
        lines.append(strings(.effectBalance, preview.balanceBefore.description, preview.balanceAfter.description))
        if preview.packageActive == false { lines.append(strings(.warnPackageDisabled, preview.package ?? "")) }
        if preview.refundsWaiting > 0 { lines.append(strings(.effectRefundsWaiting, String(preview.refundsWaiting))) }
        confirm(strings(.confirmResolveTitle, String(payment.id ?? 0), preview.user), lines,
                .billing(.resolvePayment(id: payment.id ?? 0, user: preview.user, package: package, key: Mutation.newIdempotencyKey())))
    }

    /// The status-line text of a completed billing change.
    func describe(_ mutation: BillingMutation) -> String {
        switch mutation {
        case .resolvePayment(let id, let user, _, _): strings(.doneResolve, String(id), user)
        case .disablePackage(let name, _), .disablePlan(let name, _): strings(.doneDisabled, name)
        case .disableCodes(let batch, _): strings(.doneDisabled, strings(.codeBatchName, String(batch)))
        case .startSubscription(let user, let plan, _): strings(.doneStartSubscription, user, plan)
        case .cancelSubscription(let user, _): strings(.doneCancelSubscription, user)
        case .createCodes(let request, _): strings(.doneCreateCodes, String(request.count), request.value.description)
        }
    }
}
