import Foundation
import HubCore

/// The Teams pane's two views.
enum GovernanceView: Sendable, Equatable { case teams, chargeback }

/// What the governance views show and where they stand: teams, budgets and limits (the Users pane
/// reads them too), an open team, and the chargeback report.
struct GovernanceState: Sendable {
    var overview = GovernanceOverview()
    /// Set when the hub has no governance methods (an older hub); the views say so.
    var unsupported: HubError?
    var loaded = false
    var view = GovernanceView.teams
    var openTeam: String?
    var teamDetail: TeamDetail?
    /// `YYYY-MM`; nil: the current month.
    var month: String?
    var by = ChargebackGrouping.team
    var chargeback: ChargebackReport?

    /// Anything to show in the Users pane's governance columns.
    var hasUserData: Bool {
        !overview.memberships.isEmpty || overview.budgets.contains { $0.subject.kind == .user }
            || overview.limits.contains { $0.subject.kind == .user }
    }

    func budgets(of kind: SubjectKind, id: Int64?) -> [BudgetStatus] {
        overview.budgets.filter { $0.subject.kind == kind && $0.subject.id == id }
    }

    func limit(of kind: SubjectKind, id: Int64?) -> RateLimit? {
        overview.limits.first { $0.subject.kind == kind && $0.subject.id == id }
    }

    func teams(ofUser id: Int64?) -> [String] { overview.memberships.filter { $0.userId == id }.map(\.team) }

    /// A user's own budgets, then those of the teams the user belongs to.
    func budgets(ofUser id: Int64?) -> [BudgetStatus] {
        budgets(of: .user, id: id) + overview.memberships.filter { $0.userId == id }.flatMap { budgets(of: .team, id: $0.teamId) }
    }

    /// The budget closest to refusing (highest share spent) of a subject, for a one-cell bar.
    static func tightest(_ budgets: [BudgetStatus]) -> BudgetStatus? {
        budgets.max { BudgetBar.permille($0) < BudgetBar.permille($1) }
    }
}

/// What the governance keys do.
public enum GovernanceAction: Hashable, Sendable {
    case budget, limits, scope, chargeback, groupBy, previousMonth, nextMonth, export
}

extension ConsoleState {
    /// `YYYY-MM` of the chargeback view: the chosen month, else the current one (UTC until the hub's
    /// report names its time zone).
    var chargebackMonth: String {
        if let month = gov.month { return month }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = gov.chargeback.flatMap { TimeZone(identifier: $0.timeZone) } ?? .gmt
        let parts = calendar.dateComponents([.year, .month], from: now)
        return String(format: "%04d-%02d", parts.year ?? 1970, parts.month ?? 1)
    }

    var chargebackQuery: Query { .governance(.chargeback(month: chargebackMonth, by: gov.by)) }

    var visibleTeams: [TeamSummary] {
        guard let filter = RowFilter(filters[.teams]) else { return gov.overview.teams }
        return gov.overview.teams.filter { filter.keeps([$0.team.name, $0.team.description ?? ""]) }
    }

    var selectedTeam: TeamSummary? {
        let teams = visibleTeams
        return teams.isEmpty ? nil : teams[selectedIndex(.teams, count: teams.count)]
    }

    /// Whether a governance key does something in the view now shown (the footer lists only those).
    func offers(_ action: Action) -> Bool {
        guard pane == .teams else { return true }
        switch action {
        case .open, .governance(.budget), .governance(.limits): return gov.view == .teams && (action != .open || gov.openTeam == nil)
        case .governance(.groupBy), .governance(.previousMonth), .governance(.nextMonth), .governance(.export):
            return gov.view == .chargeback
        default: return true
        }
    }

    mutating func openSelectedTeam() -> [Effect] {
        guard gov.view == .teams, gov.openTeam == nil, let team = selectedTeam?.team.name else { return [] }
        gov.openTeam = team
        gov.teamDetail = nil
        return [.load(.governance(.teamDetail(team)))]
    }

    /// Esc/q inside the Teams pane: leave the chargeback view, then the open team. Nil: not handled here.
    mutating func governanceBack() -> [Effect]? {
        guard pane == .teams else { return nil }
        if gov.view == .chargeback {
            gov.view = .teams
            return []
        }
        if gov.openTeam != nil {
            gov.openTeam = nil
            return []
        }
        return nil
    }

    func governanceRefresh() -> [Effect] {
        var loads: [Effect] = [.load(.governance(.overview))]
        if gov.view == .chargeback { loads.append(.load(chargebackQuery)) }
        if let team = gov.openTeam { loads.append(.load(.governance(.teamDetail(team)))) }
        return loads
    }

    mutating func governanceAction(_ action: GovernanceAction) -> [Effect] {
        guard offers(.governance(action)) else { return [] }
        switch action {
        case .budget:
            guard let subject = governanceSubject else { return [] }
            let existing = existingBudget(subject)
            governanceForm(.budget(subject), title: strings(.govBudgetTitle, subject.label), [
                (strings(.govFieldAmount, moneyUnit), existing?.amount.description ?? ""),
                (strings(.govFieldPeriod), existing?.period.rawValue ?? BudgetPeriod.month.rawValue),
                (strings(.govFieldSoft), existing?.soft.map(String.init) ?? "80"),
            ])
        case .limits:
            guard let subject = governanceSubject else { return [] }
            let existing = gov.overview.limits.first { subject.names($0.subject) }
            governanceForm(.limits(subject), title: strings(.govLimitsTitle, subject.label), [
                (strings(.govFieldRPM), existing?.rpm.map(String.init) ?? ""),
                (strings(.govFieldTPM), existing?.tpm.map(String.init) ?? ""),
                (strings(.govFieldConcurrency), existing?.concurrency.map(String.init) ?? ""),
            ])
        case .scope:
            guard pane == .users, let detail = openUserDetail, !detail.keys.isEmpty else {
                setStatus(strings(.openUserForKeys), .warn)
                return []
            }
            let key = detail.keys[max(0, min(detail.keys.count - 1, keySelection))]
            return [.load(.governance(.keyScope(keyId: key.id ?? 0, label: key.prefix + "…")))]
        case .chargeback:
            pane = .teams
            gov.view = gov.view == .chargeback ? .teams : .chargeback
            return gov.view == .chargeback ? [.load(chargebackQuery)] : []
        case .groupBy:
            let all = ChargebackGrouping.allCases
            gov.by = all[(all.firstIndex(of: gov.by)! + 1) % all.count]
            return [.load(chargebackQuery)]
        case .previousMonth, .nextMonth:
            gov.month = Self.month(chargebackMonth, adding: action == .nextMonth ? 1 : -1)
            return [.load(chargebackQuery)]
        case .export:
            let month = chargebackMonth
            governanceForm(.export(month: month, by: gov.by), title: strings(.govExportTitle, month),
                           [(strings(.govFieldPath), "chargeback-\(month)-by-\(gov.by.rawValue).csv")])
        }
        return []
    }

    /// `:chargeback [YYYY-MM]`.
    mutating func showChargeback(month: String?) -> [Effect] {
        pane = .teams
        gov.view = .chargeback
        if let month {
            guard Self.month(month, adding: 0) == month else {
                setStatus(strings(.govBadMonth, month), .error)
                return []
            }
            gov.month = month
        }
        return [.load(chargebackQuery)]
    }

    /// The unit budgets are counted in: estimated USD in enterprise mode, credits otherwise.
    var moneyUnit: String { strings(data.settings?.mode == .serviceProvider ? .govUnitCredits : .govUnitUSD) }

    /// The team (Teams pane: the open or selected one) or user (Users pane) a budget or limit is for.
    private var governanceSubject: SubjectRef? {
        switch pane {
        case .teams: (gov.openTeam ?? selectedTeam?.team.name).map { SubjectRef.team($0, strings) }
        case .users: selectedUser.map { SubjectRef.user($0.user.name, strings) }
        default: nil
        }
    }

    func existingBudget(_ subject: SubjectRef, period: BudgetPeriod? = nil) -> BudgetStatus? {
        let budgets = gov.overview.budgets.filter { subject.names($0.subject) && (period == nil || $0.period == period) }
        return budgets.first { $0.period == .month } ?? budgets.first
    }

    private mutating func governanceForm(_ purpose: GovernanceForm, title: String, _ fields: [(String, String)]) {
        modal = .form(FormModel(title: title, fields: fields.map { FormModel.Field(label: $0.0, input: TextField($0.1)) },
                                purpose: .governance(purpose)))
    }

    /// `month` (`YYYY-MM`) moved by `delta` months; nil when it is not a month.
    static func month(_ month: String, adding delta: Int) -> String? {
        let parts = month.split(separator: "-")
        guard month.count == 7, parts.count == 2, let year = Int(parts[0]), let number = Int(parts[1]),
              (1970...9999).contains(year), (1...12).contains(number) else { return nil }
        let index = year * 12 + (number - 1) + delta
        return String(format: "%04d-%02d", index / 12, index % 12 + 1)
    }

    // MARK: - Answers

    mutating func apply(_ event: GovernanceEvent) -> [Effect] {
        switch event {
        case .overview(let overview):
            gov.overview = overview
            gov.loaded = true
            gov.unsupported = nil
        case .unsupported(let error):
            gov.unsupported = error
        case .teamDetail(let detail):
            if let open = gov.openTeam, open.lowercased() == detail.team.name.lowercased() { gov.teamDetail = detail }
        case .chargeback(let report):
            gov.chargeback = report
        case .exported(let path, let rows):
            // The whole path, wrapped (a status line would cut a long one).
            setStatus("✓ " + strings(.govExported, String(rows)), .ok)
            modal = .message(title: strings(.govExportedTitle), lines: ConsoleView.wrap(path, width: 50) + ["", strings(.govExported, String(rows))])
        case .budgetPreview(let draft, let status):
            guard !readOnly else { return [] }
            confirm(strings(.govConfirmBudget, draft.subject.label), GovernanceEffects.budget(draft, status, before: existingBudget(draft.subject, period: draft.period), self),
                    .governance(.setBudget(draft)))
        case .limitPreview(let draft, let preview):
            guard !readOnly else { return [] }
            let before = gov.overview.limits.first { draft.subject.names($0.subject) }
            confirm(strings(.govConfirmLimits, draft.subject.label), GovernanceEffects.limits(draft, preview, before: before, strings),
                    .governance(.setLimits(draft)))
        case .keyScope(let keyId, let label, let scope):
            guard !readOnly else { return [] }
            governanceForm(.scope(keyId: keyId, label: label, current: scope), title: strings(.govScopeTitle, label), [
                (strings(.govFieldModels), scope.models.joined(separator: ", ")),
                (strings(.govFieldExpires), scope.expiresAt.map(GovernanceEffects.day) ?? ""),
                (strings(.govFieldCIDRs), scope.cidrs.joined(separator: ", ")),
            ])
        }
        data.updatedAt = now
        return []
    }

    func describe(_ change: GovernanceChange) -> String {
        switch change {
        case .setBudget(let draft): strings(.govDoneBudget, draft.subject.label)
        case .setLimits(let draft): strings(.govDoneLimits, draft.subject.label)
        case .setScope(let draft): strings(.govDoneScope, draft.keyLabel)
        }
    }
}
