import HubAdmin
import HubCore

/// The Billing and Revenue panes' reads and changes, through the same ``HubConnection`` as the rest
/// of the console (the admin socket of a running hub, or the database).
extension HubBridge {
    func load(_ query: BillingQuery) async throws(HubError) -> HubEvent {
        let answer: BillingAnswer = switch query {
        case .payments: .payments(try await connection.call(Admin.PaymentsList(limit: 500)))
        case .packages: .packages(try await connection.call(Admin.PackagesList()))
        case .plans: .plans(try await connection.call(Admin.PlansList()))
        case .subscriptions: .subscriptions(try await connection.call(Admin.SubscriptionsList()))
        case .codeBatches: .codeBatches(try await connection.call(Admin.CodesList()))
        case .notices: .notices(try await connection.call(Admin.NoticesList(limit: 200)))
        case .revenue(let by): .revenue(by, try await connection.call(Admin.RevenueSummary(by: by)))
        case .resolvePreview(let payment, let user, let package):
            .preview(try await connection.call(Admin.PaymentsPreview(payment: payment, user: user, package: package)))
        }
        return .billing(answer)
    }

    /// Sends a confirmed billing change with its idempotency key, resent after a lost answer.
    func perform(_ mutation: BillingMutation) async throws(HubError) -> HubEvent {
        let key = mutation.key
        switch mutation {
        case .resolvePayment(let id, let user, let package, _):
            _ = try await sendOnce(Admin.PaymentsResolve(payment: id, user: user, package: package, idempotencyKey: key))
        case .disablePackage(let name, _): _ = try await sendOnce(Admin.PackagesDisable(package: name, idempotencyKey: key))
        case .disablePlan(let name, _): _ = try await sendOnce(Admin.PlansDisable(plan: name, idempotencyKey: key))
        case .disableCodes(let batch, _): _ = try await sendOnce(Admin.CodesDisable(batch: batch, idempotencyKey: key))
        case .startSubscription(let user, let plan, _):
            _ = try await sendOnce(Admin.SubscriptionsStart(user: user, plan: plan, idempotencyKey: key))
        case .cancelSubscription(let user, _): _ = try await sendOnce(Admin.SubscriptionsCancel(user: user, idempotencyKey: key))
        case .createCodes(let request, _):
            var method = request.method
            method.idempotencyKey = key
            // A duplicate means the batch was made by an earlier send whose answer (with the codes) was lost.
            if let created = try await sendOnce(method) { return .billing(.createdCodes(created)) }
        }
        return .performed(.billing(mutation))
    }
}
