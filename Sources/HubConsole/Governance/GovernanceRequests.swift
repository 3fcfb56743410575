import Foundation
import HubCore

/// Who a budget or a rate limit is for: a key, a user or a team, by the reference the admin methods
/// take (a name, or a key's id), with what the dialogs call it.
public struct SubjectRef: Sendable, Equatable {
    public var kind: SubjectKind
    public var reference: String
    /// `team eng`, `user alice` (`團隊 eng`, `使用者 alice`).
    public var label: String

    static func team(_ name: String, _ t: Strings) -> SubjectRef {
        SubjectRef(kind: .team, reference: name, label: t(.govColTeam) + " " + name)
    }

    static func user(_ name: String, _ t: Strings) -> SubjectRef {
        SubjectRef(kind: .user, reference: name, label: t(.colUser) + " " + name)
    }

    /// Whether `subject` (as the hub reports it) is this one.
    func names(_ subject: Subject) -> Bool {
        subject.kind == kind && (subject.name.lowercased() == reference.lowercased() || String(subject.id) == reference)
    }
}

/// A budget as the dialog asks for it.
public struct BudgetDraft: Sendable, Equatable {
    public var subject: SubjectRef
    public var amount: Amount
    public var period: BudgetPeriod
    public var soft: Int?
}

/// Rate limits as the dialog asks for them (nil: unchanged).
public struct LimitDraft: Sendable, Equatable {
    public var subject: SubjectRef
    public var rpm: Int?
    public var tpm: Int?
    public var concurrency: Int?
}

/// A key's new scope: the fields that change, and the ones cleared.
public struct ScopeDraft: Sendable, Equatable {
    public var keyId: Int64
    public var keyLabel: String
    public var models: [String]?
    public var expiresAt: Date?
    public var cidrs: [String]?
    public var clear: [String] = []
}

/// Reads of the governance views (Teams, chargeback, the Users pane's budget column).
public enum GovernanceQuery: Sendable, Equatable {
    /// Teams, every budget and limit, and who belongs to which team: what the Users and Teams panes show.
    case overview
    case teamDetail(String)
    case chargeback(month: String, by: ChargebackGrouping)
    /// The report again, written as CSV to `path` (atomically).
    case export(month: String, by: ChargebackGrouping, path: String)
    case budgetPreview(BudgetDraft)
    case limitPreview(LimitDraft)
    /// A key's scope, to open the scope dialog with it.
    case keyScope(keyId: Int64, label: String)
}

/// Governance changes, only ever sent after the confirmation that showed their effect.
public enum GovernanceChange: Sendable, Equatable {
    case setBudget(BudgetDraft)
    case setLimits(LimitDraft)
    case setScope(ScopeDraft)

    var reloads: [Query] {
        switch self {
        case .setBudget, .setLimits: [.governance(.overview)]
        case .setScope: []
        }
    }
}

/// Governance answers.
public enum GovernanceEvent: Sendable {
    case overview(GovernanceOverview)
    case teamDetail(TeamDetail)
    case chargeback(ChargebackReport)
    case exported(path: String, rows: Int)
    case budgetPreview(BudgetDraft, BudgetStatus)
    case limitPreview(LimitDraft, LimitPreview)
    case keyScope(keyId: Int64, label: String, KeyScope)
    /// The hub has no governance methods (an older hub): the views say so, the status line stays quiet.
    case unsupported(HubError)
}

/// What the overview load brings back.
public struct GovernanceOverview: Sendable, Equatable {
    var teams: [TeamSummary] = []
    var budgets: [BudgetStatus] = []
    var limits: [RateLimit] = []
    var memberships: [TeamMembershipEntry] = []
}
