// TEMPORARY: the shapes of GOVERNANCE.md until gov-control and gov-reports land theirs in HubCore.
// Deleted when they arrive.
import Foundation
import HubCore

public enum ChargebackGrouping: String, Codable, Sendable, CaseIterable { case team, user, model }

public struct ChargebackRow: Codable, Sendable, Equatable {
    public var key: String
    public var label: String
    public var calls: Int
    public var tokensIn: Int64
    public var tokensOut: Int64
    public var providerCost: Amount
    public var creditsCharged: Amount
    public init(key: String, label: String, calls: Int = 0, tokensIn: Int64 = 0, tokensOut: Int64 = 0,
                providerCost: Amount = .zero, creditsCharged: Amount = .zero) {
        self.key = key; self.label = label; self.calls = calls; self.tokensIn = tokensIn; self.tokensOut = tokensOut
        self.providerCost = providerCost; self.creditsCharged = creditsCharged
    }
}

public struct ChargebackReport: Codable, Sendable, Equatable {
    public var month: String
    public var by: ChargebackGrouping
    public var timeZone: String
    public var rows: [ChargebackRow]
    public var total: ChargebackRow
}

public struct Subject: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case key, user, team }
    public var kind: Kind
    public var id: Int64
    public var name: String
}

public enum BudgetPeriod: String, Codable, Sendable, CaseIterable { case day, week, month }

public struct BudgetStatus: Codable, Sendable, Equatable {
    public var id: Int64?
    public var subject: Subject
    public var amount: Amount
    public var period: BudgetPeriod
    public var soft: Int?
    public var spent: Amount
    public var periodStart: Date
    public var resetsAt: Date
    public var softReached: Bool
    public var hardReached: Bool
}

public struct RateLimit: Codable, Sendable, Equatable {
    public var id: Int64?
    public var subject: Subject
    public var rpm: Int?
    public var tpm: Int?
    public var concurrency: Int?
}

public struct LimitPreview: Codable, Sendable, Equatable {
    public var limit: RateLimit
    public var lastMinuteRequests: Int
    public var lastMinuteTokens: Int
    public var wouldRefuseNow: Bool
}

public struct KeyScope: Codable, Sendable, Equatable {
    public var keyId: Int64
    public var models: [String]
    public var expiresAt: Date?
    public var cidrs: [String]
}

public struct TeamSummary: Codable, Sendable, Equatable {
    public var team: Team
    public var members: Int
    public var keys: Int
    public var spendThisMonth: Amount
}

public struct TeamDetail: Codable, Sendable, Equatable {
    public var team: Team
    public var members: [User]
    public var keys: [APIKey]
    public var budgets: [BudgetStatus]
    public var limits: [RateLimit]
}

private func notYet() -> HubError { HubError(.unavailable, "not implemented yet") }

extension Admin {
    struct ReportChargeback: AdminMethod {
        static let name = "report.chargeback"
        static let mutates = false
        var month: String
        var by: ChargebackGrouping?
        func run(_ context: AdminContext) throws -> ChargebackReport { throw notYet() }
    }
    struct TeamsList: AdminMethod {
        static let name = "teams.list"
        static let mutates = false
        func run(_ context: AdminContext) throws -> [TeamSummary] { throw notYet() }
    }
    struct TeamsShow: AdminMethod {
        static let name = "teams.show"
        static let mutates = false
        var team: String
        func run(_ context: AdminContext) throws -> TeamDetail { throw notYet() }
    }
    struct BudgetsList: AdminMethod {
        static let name = "budgets.list"
        static let mutates = false
        func run(_ context: AdminContext) throws -> [BudgetStatus] { throw notYet() }
    }
    struct BudgetsSet: AdminMethod {
        static let name = "budgets.set"
        var key: String?, user: String?, team: String?
        var amount: Amount
        var period: BudgetPeriod
        var soft: Int?
        func run(_ context: AdminContext) throws -> BudgetStatus { throw notYet() }
    }
    struct BudgetsPreview: AdminMethod {
        static let name = "budgets.preview"
        static let mutates = false
        var key: String?, user: String?, team: String?
        var amount: Amount
        var period: BudgetPeriod
        var soft: Int?
        func run(_ context: AdminContext) throws -> BudgetStatus { throw notYet() }
    }
    struct LimitsList: AdminMethod {
        static let name = "limits.list"
        static let mutates = false
        func run(_ context: AdminContext) throws -> [RateLimit] { throw notYet() }
    }
    struct LimitsSet: AdminMethod {
        static let name = "limits.set"
        var key: String?, user: String?, team: String?
        var rpm: Int?, tpm: Int?, concurrency: Int?
        func run(_ context: AdminContext) throws -> RateLimit { throw notYet() }
    }
    struct LimitsPreview: AdminMethod {
        static let name = "limits.preview"
        static let mutates = false
        var key: String?, user: String?, team: String?
        var rpm: Int?, tpm: Int?, concurrency: Int?
        func run(_ context: AdminContext) throws -> LimitPreview { throw notYet() }
    }
    struct KeysScope: AdminMethod {
        static let name = "keys.scope"
        var key: String
        var models: [String]?
        var expiresAt: Date?
        var cidrs: [String]?
        var clear: [String]?
        func run(_ context: AdminContext) throws -> KeyScope { throw notYet() }
    }
    struct KeysScopes: AdminMethod {
        static let name = "keys.scopes"
        static let mutates = false
        var key: String
        func run(_ context: AdminContext) throws -> KeyScope { throw notYet() }
    }
}
