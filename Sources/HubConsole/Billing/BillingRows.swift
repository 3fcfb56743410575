import HubCore

/// The rows each Billing view shows (after the `/` filter), and the selected one.
extension ConsoleState {
    var visiblePayments: [Payment] {
        // Pending payments first: they are what support has to act on.
        let rows = data.billing.payments.filter { $0.status == .pending } + data.billing.payments.filter { $0.status != .pending }
        return billingFiltered(rows) { [$0.processor.rawValue, $0.eventId, $0.userRef ?? "", $0.packageRef ?? "", $0.status.rawValue, $0.note ?? ""] }
    }

    var visiblePackages: [CreditPackage] { billingFiltered(data.billing.packages) { [$0.name, $0.currency] } }
    var visiblePlans: [Plan] { billingFiltered(data.billing.plans) { [$0.name, $0.interval.rawValue] } }
    var visibleSubscriptions: [SubscriptionInfo] {
        billingFiltered(data.billing.subscriptions) { [$0.userName, $0.planName, $0.subscription.status.rawValue] }
    }
    var visibleBatches: [RedemptionBatchInfo] { billingFiltered(data.billing.batches) { [$0.batch.note ?? "", $0.batch.createdBy] } }
    var visibleNotices: [OutboxEntry] { billingFiltered(data.billing.notices) { [$0.kind, $0.noticeId, $0.lastError ?? ""] } }

    /// How many rows the current Billing view has.
    var billingRowCount: Int {
        switch billingSection {
        case .payments: visiblePayments.count
        case .packages: visiblePackages.count
        case .plans: visiblePlans.count
        case .subscriptions: visibleSubscriptions.count
        case .codes: visibleBatches.count
        case .notices: visibleNotices.count
        }
    }

    /// The cursor row of the current Billing view, kept inside it.
    var billingIndex: Int { max(0, min(billingRowCount - 1, billingSelection[billingSection] ?? 0)) }

    var selectedPayment: Payment? { pick(visiblePayments) }
    var selectedPackage: CreditPackage? { pick(visiblePackages) }
    var selectedPlan: Plan? { pick(visiblePlans) }
    var selectedSubscription: SubscriptionInfo? { pick(visibleSubscriptions) }
    var selectedBatch: RedemptionBatchInfo? { pick(visibleBatches) }

    private func pick<T>(_ rows: [T]) -> T? { rows.isEmpty ? nil : rows[max(0, min(rows.count - 1, billingSelection[billingSection] ?? 0))] }

    /// The `/` filter of the Billing pane applies to the view shown.
    private func billingFiltered<T>(_ rows: [T], _ fields: (T) -> [String]) -> [T] {
        guard let filter = RowFilter(filters[.billing]) else { return rows }
        return rows.filter { filter.keeps(fields($0)) }
    }
}
