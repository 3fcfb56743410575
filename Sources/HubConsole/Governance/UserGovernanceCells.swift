import HubCore

/// The Users pane's governance additions: the columns team, budget (a bar: the user's or a team's, whichever
/// is closest to refusing) and limits, and the lines of an open user's detail.
enum UserGovernanceCells {
    static func columns(_ t: Strings) -> [TableColumn] {
        [TableColumn(title: t(.govColTeam), width: 12, flexible: true), TableColumn(title: t(.govColBudget), width: 15),
         TableColumn(title: t(.govColLimits), width: 12)]
    }

    static func append(to row: inout TableRow, _ user: User, _ state: ConsoleState) {
        let gov = state.gov
        let budget = GovernanceState.tightest(gov.budgets(ofUser: user.id))
        row.cells += [gov.teams(ofUser: user.id).joined(separator: ","), budget.map { BudgetBar.text($0, width: 8) } ?? "",
                      LimitText.cell(gov.limit(of: .user, id: user.id))]
        row.roles += [nil, budget.map(BudgetBar.role), nil]
    }

    /// Teams, each budget (bar, spent of amount, reset) and the limits of `user`; nothing when it has none.
    static func detailLines(_ user: User, _ state: ConsoleState) -> [(text: String, role: Role)] {
        let t = state.strings, gov = state.gov
        var lines: [(String, Role)] = []
        let teams = gov.teams(ofUser: user.id)
        let limit = gov.limit(of: .user, id: user.id)
        if !teams.isEmpty || limit != nil {
            lines.append(([t(.govColTeam) + ": " + (teams.isEmpty ? "–" : teams.joined(separator: ", ")),
                           limit.map { LimitText.line($0, t) } ?? t(.govNoLimits)].joined(separator: "   "), .text))
        }
        for budget in gov.budgets(ofUser: user.id) {
            let owner = budget.subject.kind == .team ? t(.govColTeam) + " " + budget.subject.name + " · " : ""
            lines.append((owner + t(.govBudgetLine, t(BudgetBar.periodPhrase(budget.period)), BudgetBar.text(budget, width: 10),
                            budget.spent.description, "\(budget.amount) \(state.moneyUnit)", ConsoleState.shortTime(budget.resetsAt)),
                          BudgetBar.role(budget)))
        }
        return lines
    }
}
