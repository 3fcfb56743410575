import HubCore

/// Pane 3: users with status, balance and this month's spend; Enter opens one user's keys and ledger.
enum UsersPaneView {
    static func draw(_ state: ConsoleState, in rect: Rect, on screen: inout ScreenModel, theme: Theme) {
        if state.openUser != nil {
            drawDetail(state, in: rect, on: &screen, theme: theme)
            return
        }
        let t = state.strings
        let users = state.visibleUsers
        // With teams, budgets or limits in the hub: team, budget use and limits too (the email gives way below 120 columns).
        let governance = state.gov.hasUserData, email = !governance || rect.width >= 120
        let rows = users.map { summary in
            let low = state.isLowBalance(summary.user)
            var row = TableRow(cells: [summary.user.name, summary.user.email ?? "", statusText(summary.user.status, t),
                                       (low ? lowMark + " " : "") + summary.user.balance.description, summary.spendThisMonth.description],
                               roles: [nil, nil, summary.user.status == .active ? .statusOk : .statusWarn,
                                       low ? .statusWarn : moneyRole(summary.user.balance), nil])
            if governance { UserGovernanceCells.append(to: &row, summary.user, state) }
            if !email { row.cells.remove(at: 1); row.roles.remove(at: 1) }
            return row
        }
        var columns = Self.columns(t) + (governance ? UserGovernanceCells.columns(t) : [])
        if !email { columns.remove(at: 1) }
        TableView.draw(columns, rows, selected: state.selectedIndex(.users, count: rows.count), in: rect,
                       on: &screen, theme: theme, emptyText: state.data.updatedAt == nil ? t(.loading) : t(.noRows))
    }

    static func columns(_ t: Strings) -> [TableColumn] {
        [TableColumn(title: t(.colName), width: 20, flexible: true), TableColumn(title: t(.colEmail), width: 26, flexible: true),
         TableColumn(title: t(.colStatus), width: 11), TableColumn(title: t(.colBalance), width: 12, alignRight: true),
         TableColumn(title: t(.colSpend), width: 13, alignRight: true)]
    }

    static func statusText(_ status: UserStatus, _ t: Strings) -> String {
        t(status == .active ? .statusActive : .statusSuspended)
    }

    /// Marks a balance under the low-balance threshold (a glyph as well as the warning colour).
    static let lowMark = "▼"

    static func moneyRole(_ amount: Amount) -> Role { amount.isNegative ? .moneyNegative : .moneyPositive }

    private static func drawDetail(_ state: ConsoleState, in rect: Rect, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings
        guard let detail = state.openUserDetail else {
            screen.put(t(.loading), x: 1, y: rect.y + 1, style: theme[.textDim])
            return
        }
        let user = detail.user
        var x = screen.put(user.name, x: 1, y: rect.y, style: theme[.tableHeader])
        x = screen.put("  " + (user.email ?? "") + "  ", x: x, y: rect.y, style: theme[.textDim])
        x = screen.put(statusText(user.status, t), x: x, y: rect.y, style: theme[user.status == .active ? .statusOk : .statusWarn])
        x = screen.put("  " + t(.colBalance) + " ", x: x, y: rect.y, style: theme[.text])
        let low = state.isLowBalance(user)
        screen.put((low ? lowMark + " " : "") + user.balance.description, x: x, y: rect.y,
                   style: theme[low ? .statusWarn : moneyRole(user.balance)])
        screen.put(t(.spendMonth, detail.spendThisMonth.description, String(detail.requestsThisMonth)), x: 1, y: rect.y + 1,
                   style: theme[.text], limit: rect.width - 2)
        // Teams, budgets and limits of the user, when there are any: one line each, below the spend.
        let governance = UserGovernanceCells.detailLines(user, state)
        for (index, line) in governance.enumerated() {
            screen.put(line.text, x: 1, y: rect.y + 2 + index, style: theme[line.role], limit: rect.width - 2)
        }
        // The keys and the ledger move down by those lines.
        let rect = Rect(x: rect.x, y: rect.y + governance.count, width: rect.width, height: rect.height - governance.count)
        let keysHeight = min(detail.keys.count + 2, max(3, (rect.height - 3) / 3))
        Drawing.heading(t(.keysTitle), x: 1, y: rect.y + 2, width: rect.width - 2, on: &screen, theme: theme)
        let keyRows = detail.keys.map { key in
            TableRow(cells: [key.prefix + "…", key.name, ConsoleState.shortTime(key.createdAt),
                             key.lastUsedAt.map(ConsoleState.shortTime) ?? t(.never),
                             key.isRevoked ? t(.statusRevoked) : t(.statusActive)],
                     roles: [nil, nil, nil, nil, key.isRevoked ? .statusError : .statusOk])
        }
        TableView.draw([TableColumn(title: t(.colKey), width: 14), TableColumn(title: t(.colName), width: 16, flexible: true),
                        TableColumn(title: t(.colTime), width: 16), TableColumn(title: t(.colLastUsed), width: 16),
                        TableColumn(title: t(.colStatus), width: 10)],
                       keyRows, selected: keyRows.isEmpty ? nil : max(0, min(keyRows.count - 1, state.keySelection)),
                       in: Rect(x: 0, y: rect.y + 3, width: rect.width, height: keysHeight), on: &screen, theme: theme,
                       emptyText: t(.noRows))
        let ledgerY = rect.y + 3 + keysHeight
        Drawing.heading(t(.ledgerTitle), x: 1, y: ledgerY, width: rect.width - 2, on: &screen, theme: theme)
        let ledgerRows = detail.recentLedger.map { entry in
            TableRow(cells: [ConsoleState.shortTime(entry.createdAt), t.ledgerKind(entry.kind),
                             (entry.amount.isPositive ? "+" : "") + entry.amount.description, entry.balanceAfter.description,
                             entry.reason],
                     roles: [nil, nil, moneyRole(entry.amount), nil, nil])
        }
        TableView.draw([TableColumn(title: t(.colTime), width: 16), TableColumn(title: t(.colKind), width: 10),
                        TableColumn(title: t(.colAmount), width: 12, alignRight: true),
                        TableColumn(title: t(.colAfter), width: 12, alignRight: true),
                        TableColumn(title: t(.colReason), width: 30, flexible: true)],
                       ledgerRows, selected: nil, in: Rect(x: 0, y: ledgerY + 1, width: rect.width, height: rect.maxY - ledgerY - 1),
                       on: &screen, theme: theme, emptyText: t(.noRows))
    }
}
