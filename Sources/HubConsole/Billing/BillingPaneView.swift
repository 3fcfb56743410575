import HubCore

/// Pane 6: the service-provider business, one view at a time (`←`/`→`): payments (pending ones
/// first, to resolve), packages, plans, subscriptions, redemption code batches, outgoing notices.
enum BillingPaneView {
    static func draw(_ state: ConsoleState, in rect: Rect, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings
        sections(state, y: rect.y, width: rect.width, on: &screen, theme: theme)
        let table = Rect(x: 0, y: rect.y + 1, width: rect.width, height: rect.height - 1)
        let section = state.billingSection
        let (columns, rows) = content(state, section)
        let empty = state.data.billing.loaded.contains(section) ? t(.noRows) : t(.loading)
        TableView.draw(columns, rows, selected: rows.isEmpty ? nil : state.billingIndex, in: table, on: &screen, theme: theme,
                       emptyText: empty)
    }

    /// The view tabs: the current one in brackets; pending payments counted on their tab.
    private static func sections(_ state: ConsoleState, y: Int, width: Int, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings
        var x = 1
        for section in BillingSection.allCases {
            var label = t(section.title)
            if section == .payments, state.data.billing.pendingPayments > 0 {
                label += " ⚠\(state.data.billing.pendingPayments)"
            }
            let active = section == state.billingSection
            x = screen.put(active ? "[\(label)]" : " \(label) ", x: x, y: y, style: theme[active ? .tabActive : .textDim], limit: max(0, width - x))
            x = screen.put(" ", x: x, y: y, style: theme[.text], limit: max(0, width - x))
        }
    }

    static func content(_ state: ConsoleState, _ section: BillingSection) -> ([TableColumn], [TableRow]) {
        let t = state.strings
        switch section {
        case .payments:
            let rows = state.visiblePayments.map { p in
                let pending = p.status == .pending
                // Whom it was applied to (a resolved payment names another user than its event did), else whom it names.
                let applied = p.userId.flatMap { id in state.data.users.first { $0.user.id == id }?.user.name }
                let who = applied ?? p.userRef ?? p.userId.map { "#\($0)" } ?? "–"
                let money = (p.kind == .refund ? "↩ -" : "") + p.amount.description + " " + (p.currency ?? "").uppercased()
                return TableRow(cells: [String(p.id ?? 0), t(pending ? .paymentPending : .paymentApplied), who,
                                        p.packageRef ?? p.planRef ?? "", money, p.credits.description,
                                        ConsoleState.shortTime(p.createdAt), p.note ?? ""],
                                roles: [nil, pending ? .statusWarn : .statusOk, nil, nil, p.kind == .refund ? .moneyNegative : nil,
                                        nil, nil, .textDim])
            }
            return ([TableColumn(title: "#", width: 4, alignRight: true), TableColumn(title: t(.colStatus), width: 10),
                     TableColumn(title: t(.colUser), width: 14, flexible: true), TableColumn(title: t(.colPackage), width: 12, flexible: true),
                     TableColumn(title: t(.colPaid), width: 12, alignRight: true), TableColumn(title: t(.colCredits), width: 9, alignRight: true),
                     TableColumn(title: t(.colTime), width: 16), TableColumn(title: t(.colNote), width: 30, flexible: true)], rows)
        case .packages:
            let rows = state.visiblePackages.map { p in
                TableRow(cells: [p.name, p.price.description + " " + p.currency.uppercased(), p.credits.description, p.bonus.description,
                                 onSale(p.active, t)], roles: [nil, nil, nil, nil, p.active ? .statusOk : .statusWarn])
            }
            return ([TableColumn(title: t(.colName), width: 20, flexible: true), TableColumn(title: t(.colPrice), width: 12, alignRight: true),
                     TableColumn(title: t(.colCredits), width: 10, alignRight: true), TableColumn(title: t(.colBonus), width: 8, alignRight: true),
                     TableColumn(title: t(.colStatus), width: 12)], rows)
        case .plans:
            let rows = state.visiblePlans.map { p in
                let running = state.data.billing.subscriptions.filter { $0.planName == p.name && $0.subscription.status != .cancelled }.count
                return TableRow(cells: [p.name, t(p.interval == .month ? .intervalMonth : .intervalYear), p.credits.description,
                                        p.price.description + " " + p.currency.uppercased(), p.rolloverCap?.description ?? "–",
                                        String(running), onSale(p.active, t)],
                                roles: [nil, nil, nil, nil, nil, nil, p.active ? .statusOk : .statusWarn])
            }
            return ([TableColumn(title: t(.colName), width: 16, flexible: true), TableColumn(title: t(.colInterval), width: 8),
                     TableColumn(title: t(.colCredits), width: 10, alignRight: true), TableColumn(title: t(.colPrice), width: 12, alignRight: true),
                     TableColumn(title: t(.colRollover), width: 9, alignRight: true), TableColumn(title: t(.colRunning), width: 7, alignRight: true),
                     TableColumn(title: t(.colStatus), width: 12)], rows)
        case .subscriptions:
            let rows = state.visibleSubscriptions.map { info in
                let s = info.subscription
                let (status, role): (Phrase, Role) = switch s.status {
                case .active: (.subscriptionActive, .statusOk)
                case .pastDue: (.subscriptionPastDue, .statusWarn)
                case .cancelled: (.subscriptionCancelled, .textDim)
                }
                return TableRow(cells: [info.userName, info.planName, t(status), t(s.renewal == .hub ? .renewalHub : .renewalProcessor),
                                        ConsoleState.shortTime(s.periodEnd)], roles: [nil, nil, role, nil, nil])
            }
            return ([TableColumn(title: t(.colUser), width: 18, flexible: true), TableColumn(title: t(.colPlan), width: 14, flexible: true),
                     TableColumn(title: t(.colStatus), width: 12), TableColumn(title: t(.colRenewal), width: 12),
                     TableColumn(title: t(.colPeriodEnd), width: 16)], rows)
        case .codes:
            let rows = state.visibleBatches.map { info in
                let b = info.batch
                let disabled = b.disabledAt != nil
                return TableRow(cells: [String(b.id ?? 0), b.value.description, "\(info.redeemed)/\(b.count)",
                                        b.expiresAt.map(ConsoleState.shortTime) ?? t(.never), b.maxPerUser.map(String.init) ?? "–",
                                        disabled ? t(.statusDisabledMark) : t(.statusActive), b.note ?? ""],
                                roles: [nil, nil, nil, nil, nil, disabled ? .statusWarn : .statusOk, .textDim])
            }
            return ([TableColumn(title: "#", width: 4, alignRight: true), TableColumn(title: t(.colValue), width: 9, alignRight: true),
                     TableColumn(title: t(.colUsed), width: 9, alignRight: true), TableColumn(title: t(.colExpires), width: 16),
                     TableColumn(title: t(.colPerUser), width: 8, alignRight: true), TableColumn(title: t(.colStatus), width: 12),
                     TableColumn(title: t(.colNote), width: 20, flexible: true)], rows)
        case .notices:
            let rows = state.visibleNotices.map { n in
                let delivered = n.deliveredAt != nil
                let delivery = n.deliveredAt.map { t(.noticeDelivered, ConsoleState.shortTime($0)) }
                    ?? t(.noticeNextTry, ConsoleState.shortTime(n.nextAttemptAt))
                return TableRow(cells: [ConsoleState.shortTime(n.createdAt), n.kind, "#\(n.endpointId)", String(n.attempts), delivery,
                                        n.lastError ?? n.lastStatus.map { "HTTP \($0)" } ?? ""],
                                roles: [nil, nil, nil, nil, delivered ? .statusOk : .statusWarn, delivered ? .textDim : .statusError])
            }
            return ([TableColumn(title: t(.colTime), width: 16), TableColumn(title: t(.colType), width: 21, flexible: true),
                     TableColumn(title: t(.colEndpoint), width: 4), TableColumn(title: t(.colAttempts), width: 5, alignRight: true),
                     TableColumn(title: t(.colDelivery), width: 24), TableColumn(title: t(.colLastError), width: 24, flexible: true)], rows)
        }
    }

    private static func onSale(_ active: Bool, _ t: Strings) -> String { active ? t(.statusOnSale) : t(.statusDisabledMark) }
}
