import Foundation
import HubCore

/// The Billing pane's forms: checked here, then a confirmation that shows the effect (or, to
/// resolve a payment, the hub's own preview first). Bad input is reported in the form.
enum BillingForms {
    /// The console creates at most this many codes at a time (they are shown on one screen).
    static let maxCodes = 100

    static func outcome(_ purpose: BillingForm, _ form: FormModel, _ t: Strings) throws(ConsoleError) -> FormOutcome {
        switch purpose {
        case .resolve(let payment):
            let user = try FormSubmit.required(form.value(0), .fieldUser, t)
            let package = form.value(1)
            return .load(.billing(.resolvePreview(payment: payment.id ?? 0, user: user, package: package.isEmpty ? nil : package)))
        case .startSubscription(let plans, let balances):
            let user = try FormSubmit.required(form.value(0), .fieldUser, t)
            let name = try FormSubmit.required(form.value(1), .fieldPlan, t)
            guard let plan = plans.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw ConsoleError(t(.unknownPlan, name))
            }
            guard plan.active else { throw ConsoleError(t(.alreadyDisabled, plan.name)) }
            var lines = [t(.effectCredits, user, "+" + plan.credits.description, t(.effectPlanName, plan.name)),
                         t(.effectPlanRenewal, t(plan.interval == .month ? .intervalMonth : .intervalYear))]
            if let balance = balances[user.lowercased()], let after = try? balance.adding(plan.credits) {
                lines.append(t(.effectBalance, balance.description, after.description))
            }
            return .confirm(title: t(.confirmStartSubscription, user, plan.name), lines: lines,
                            .billing(.startSubscription(user: user, plan: plan.name, key: Mutation.newIdempotencyKey())))
        case .createCodes(let now):
            let count = try whole(form.value(0), in: 1...maxCodes, t)
            let value = try FormSubmit.positiveAmount(form.value(1), t)
            let days = form.value(2).isEmpty ? nil : try whole(form.value(2), in: 1...3_650, t)
            let perUser = form.value(3).isEmpty ? nil : try whole(form.value(3), in: 1...1_000_000, t)
            let note = form.value(4)
            let expires = days.map { now.addingTimeInterval(TimeInterval($0) * 86_400) }
            let request = CodeBatchRequest(count: count, value: value, expires: expires, maxPerUser: perUser,
                                           note: note.isEmpty ? nil : note)
            let (nanos, overflow) = value.nanos.multipliedReportingOverflow(by: Int64(count))
            guard !overflow else { throw ConsoleError(t(.badAmount, form.value(1))) }
            let total = Amount(nanos: nanos)
            return .confirm(title: t(.confirmCreateCodes, String(count), value.description), lines: [
                t(.effectCodesTotal, total.description),
                expires.map { t(.effectCodesExpire, ConsoleState.shortTime($0)) } ?? t(.effectCodesNoExpiry),
                perUser.map { t(.effectCodesPerUser, String($0)) } ?? t(.effectCodesNoCap),
                t(.effectCodesShownOnce),
            ], .billing(.createCodes(request, key: Mutation.newIdempotencyKey())))
        }
    }

    static func whole(_ text: String, in range: ClosedRange<Int>, _ t: Strings) throws(ConsoleError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw ConsoleError(t(.badWholeNumber, text, String(range.lowerBound), String(range.upperBound)))
        }
        return value
    }
}
