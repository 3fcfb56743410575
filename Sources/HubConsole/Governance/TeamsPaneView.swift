import HubCore

/// The Teams pane: teams with members, keys, this month's spend, budget use and limits; Enter opens
/// one team (members, keys, every budget, limits); `c` shows the chargeback view instead.
enum TeamsPaneView {
    static func draw(_ state: ConsoleState, in rect: Rect, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings, gov = state.gov
        if gov.view == .chargeback {
            ChargebackView.draw(state, in: rect, on: &screen, theme: theme)
            return
        }
        if gov.openTeam != nil {
            drawDetail(state, in: rect, on: &screen, theme: theme)
            return
        }
        let rows = state.visibleTeams.map { summary in
            let budget = GovernanceState.tightest(gov.budgets(of: .team, id: summary.team.id))
            return TableRow(cells: [summary.team.name, String(summary.members), String(summary.keys),
                                    summary.spendThisMonth.description, budget.map { BudgetBar.text($0, width: 8) } ?? "",
                                    LimitText.cell(gov.limit(of: .team, id: summary.team.id))],
                            roles: [nil, nil, nil, nil, budget.map(BudgetBar.role), nil])
        }
        let empty = gov.unsupported.map { t(.govUnsupported, state.strings.error($0)) }
            ?? (gov.loaded ? t(.govNoTeams) : t(.loading))
        TableView.draw([TableColumn(title: t(.colName), width: 20, flexible: true),
                        TableColumn(title: t(.govColMembers), width: 7, alignRight: true),
                        TableColumn(title: t(.govColKeys), width: 5, alignRight: true),
                        TableColumn(title: t(.colSpend), width: 13, alignRight: true),
                        TableColumn(title: t(.govColBudget), width: 15),
                        TableColumn(title: t(.govColLimits), width: 12)],
                       rows, selected: state.selectedIndex(.teams, count: rows.count), in: rect, on: &screen, theme: theme,
                       emptyText: empty)
    }

    private static func drawDetail(_ state: ConsoleState, in rect: Rect, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings
        guard let detail = state.gov.teamDetail else {
            screen.put(t(.loading), x: 1, y: rect.y + 1, style: theme[.textDim])
            return
        }
        let x = screen.put(detail.team.name, x: 1, y: rect.y, style: theme[.tableHeader])
        screen.put("  " + (detail.team.description ?? ""), x: x, y: rect.y, style: theme[.textDim], limit: rect.maxX - x - 1)
        let limits = detail.limits.first.map { LimitText.line($0, t) } ?? t(.govNoLimits)
        screen.put(limits, x: 1, y: rect.y + 1, style: theme[.text], limit: rect.width - 2)
        // Budgets, members and keys share the rest: budgets first (they are what the pane is for).
        var y = rect.y + 2
        let budgetRows = detail.budgets.map { budget in
            TableRow(cells: [t(BudgetBar.periodPhrase(budget.period)), "\(budget.amount) \(state.moneyUnit)", budget.spent.description,
                             BudgetBar.text(budget, width: 10), budget.soft.map { "\($0)%" } ?? "–",
                             ConsoleState.shortTime(budget.resetsAt)],
                     roles: [nil, nil, nil, BudgetBar.role(budget), nil, nil])
        }
        let budgetHeight = min(budgetRows.count + 1, 4)
        Drawing.heading(t(.govBudgetsTitle), x: 1, y: y, width: rect.width - 2, on: &screen, theme: theme)
        TableView.draw([TableColumn(title: t(.govFieldPeriod), width: 8), TableColumn(title: t(.colAmount), width: 14, alignRight: true),
                        TableColumn(title: t(.govColSpent), width: 12, alignRight: true), TableColumn(title: t(.govColBudget), width: 17),
                        TableColumn(title: t(.govColSoft), width: 5, alignRight: true), TableColumn(title: t(.govColResets), width: 16)],
                       budgetRows, selected: nil, in: Rect(x: 0, y: y + 1, width: rect.width, height: max(2, budgetHeight)),
                       on: &screen, theme: theme, emptyText: t(.govNoBudgets))
        y += 1 + max(2, budgetHeight)
        let remaining = rect.maxY - y
        let memberHeight = max(2, min(detail.members.count + 2, remaining / 2))
        Drawing.heading(t(.govMembersTitle), x: 1, y: y, width: rect.width - 2, on: &screen, theme: theme)
        let memberRows = detail.members.map { user in
            TableRow(cells: [user.name, user.email ?? "", UsersPaneView.statusText(user.status, t)],
                     roles: [nil, nil, user.status == .active ? .statusOk : .statusWarn])
        }
        TableView.draw([TableColumn(title: t(.colName), width: 20, flexible: true), TableColumn(title: t(.colEmail), width: 26, flexible: true),
                        TableColumn(title: t(.colStatus), width: 11)],
                       memberRows, selected: nil, in: Rect(x: 0, y: y + 1, width: rect.width, height: memberHeight - 1),
                       on: &screen, theme: theme, emptyText: t(.noRows))
        y += memberHeight
        guard y < rect.maxY - 1 else { return }
        Drawing.heading(t(.keysTitle), x: 1, y: y, width: rect.width - 2, on: &screen, theme: theme)
        let owners = Dictionary(detail.members.map { ($0.id ?? 0, $0.name) }, uniquingKeysWith: { first, _ in first })
        let keyRows = detail.keys.map { key in
            TableRow(cells: [key.prefix + "…", key.name, owners[key.userId] ?? "#\(key.userId)",
                             key.isRevoked ? t(.statusRevoked) : t(.statusActive)],
                     roles: [nil, nil, nil, key.isRevoked ? .statusError : .statusOk])
        }
        TableView.draw([TableColumn(title: t(.colKey), width: 14), TableColumn(title: t(.colName), width: 16, flexible: true),
                        TableColumn(title: t(.colUser), width: 16, flexible: true), TableColumn(title: t(.colStatus), width: 10)],
                       keyRows, selected: nil, in: Rect(x: 0, y: y + 1, width: rect.width, height: rect.maxY - y - 1),
                       on: &screen, theme: theme, emptyText: t(.noRows))
    }
}

/// The chargeback view: one month's calls, tokens, provider cost and credits by team, user or model,
/// with the total, exactly as `report.chargeback` answers (and as the CSV export writes it).
enum ChargebackView {
    static func draw(_ state: ConsoleState, in rect: Rect, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings
        let month = state.chargebackMonth
        let report = state.gov.chargeback.flatMap { $0.month == month && $0.by == state.gov.by ? $0 : nil }
        let title = t(.govChargebackTitle, month, t(groupPhrase(state.gov.by)), report?.timeZone ?? "…")
        Drawing.heading(title, x: 1, y: rect.y, width: rect.width - 2, on: &screen, theme: theme)
        guard let report else {
            screen.put(t(.loading), x: 1, y: rect.y + 2, style: theme[.textDim])
            return
        }
        func cells(_ row: ChargebackRow) -> [String] {
            [row.label, String(row.calls), String(row.tokensIn), String(row.tokensOut), row.providerCost.description,
             row.creditsCharged.description]
        }
        let columns = [TableColumn(title: t(groupPhrase(report.by)), width: 24, flexible: true),
                       TableColumn(title: t(.colRequests), width: 7, alignRight: true),
                       TableColumn(title: t(.govColTokensIn), width: 10, alignRight: true),
                       TableColumn(title: t(.govColTokensOut), width: 10, alignRight: true),
                       TableColumn(title: t(.govColProviderCost), width: 13, alignRight: true),
                       TableColumn(title: t(.colCredits), width: 12, alignRight: true)]
        let rows = report.rows.map { TableRow(cells: cells($0)) }
        var total = report.total
        total.label = t(.govTotal)
        let totalRow = TableRow(cells: cells(total), roles: Array(repeating: .tableHeader, count: columns.count))
        // One layout for the rows and the total, which stays on the view's last line however many rows scroll.
        let widths = TableView.layout(columns, rows: rows + [totalRow], width: rect.width - 1)
        TableView.draw(columns, rows, selected: nil, in: Rect(x: 0, y: rect.y + 1, width: rect.width, height: rect.height - 3),
                       on: &screen, theme: theme, emptyText: t(.govNoUsage), widths: widths)
        TableView.draw(columns.map { TableColumn(title: "", width: $0.width, alignRight: $0.alignRight) }, [totalRow], selected: nil,
                       in: Rect(x: 0, y: rect.maxY - 2, width: rect.width, height: 2), on: &screen, theme: theme, emptyText: "",
                       widths: widths)
    }

    static func groupPhrase(_ by: ChargebackGrouping) -> Phrase {
        switch by {
        case .team: .govByTeam
        case .user: .govByUser
        case .model: .govByModel
        }
    }
}
