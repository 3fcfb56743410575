import Foundation
import GRDB

/// What a budget or a rate limit applies to.
public enum SubjectKind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case key, user, team
}

/// A calendar period of a budget, in the configured time zone (weeks start on Monday).
public enum BudgetPeriod: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case day, week, month
}

/// A budget's or a limit's subject as the admin API shows it.
public struct Subject: Codable, Sendable, Equatable, Hashable {
    public var kind: SubjectKind
    public var id: Int64
    public var name: String

    public init(kind: SubjectKind, id: Int64, name: String) { self.kind = kind; self.id = id; self.name = name }
}

/// A budget as stored: one per subject and period.
public struct Budget: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "budgets"
    public var id: Int64?
    public var subjectKind: SubjectKind
    public var subjectId: Int64
    public var period: BudgetPeriod
    public var amount: Amount
    public var softPercent: Int?
    /// The start of the period whose soft-threshold notice was sent.
    public var softNoticePeriod: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64?, subjectKind: SubjectKind, subjectId: Int64, period: BudgetPeriod, amount: Amount,
                softPercent: Int? = nil, softNoticePeriod: Date? = nil, createdAt: Date = Date(), updatedAt: Date = Date()) {
        self.id = id; self.subjectKind = subjectKind; self.subjectId = subjectId; self.period = period; self.amount = amount
        self.softPercent = softPercent; self.softNoticePeriod = softNoticePeriod; self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A budget with its use in the current period (`budgets.list`, `budgets.set`, `budgets.preview`).
/// `amount` and `spent` are credits in service-provider mode and estimated provider USD in enterprise.
public struct BudgetStatus: Codable, Sendable, Equatable {
    public var id: Int64
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

/// A rate limit as stored.
public struct StoredRateLimit: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "rate_limits"
    public var id: Int64?
    public var subjectKind: SubjectKind
    public var subjectId: Int64
    public var rpm: Int?
    public var tpm: Int?
    public var concurrency: Int?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A rate limit as the admin API shows it; a nil field is not limited.
public struct RateLimit: Codable, Sendable, Equatable {
    public var id: Int64
    public var subject: Subject
    public var rpm: Int?
    public var tpm: Int?
    public var concurrency: Int?
}

/// Requests per minute, tokens per minute and concurrent requests; nil: not limited.
public struct LimitValues: Codable, Sendable, Equatable, Hashable {
    public var rpm: Int?
    public var tpm: Int?
    public var concurrency: Int?

    public init(rpm: Int? = nil, tpm: Int? = nil, concurrency: Int? = nil) {
        self.rpm = rpm; self.tpm = tpm; self.concurrency = concurrency
    }

    public var isEmpty: Bool { rpm == nil && tpm == nil && concurrency == nil }
}

/// The limits of a key without its own, in each mode (`settings.set --default-key-rpm` …).
public struct DefaultKeyLimits: Codable, Sendable, Equatable {
    public var serviceProvider: LimitValues?
    public var enterprise: LimitValues?

    public init(serviceProvider: LimitValues? = nil, enterprise: LimitValues? = nil) {
        self.serviceProvider = serviceProvider; self.enterprise = enterprise
    }

    public func limits(in mode: DeploymentMode) -> LimitValues? {
        mode == .serviceProvider ? serviceProvider : enterprise
    }
}

/// `limits.preview`: a limit as it would be, with the subject's last minute of traffic.
public struct LimitPreview: Codable, Sendable, Equatable {
    public var limit: RateLimit
    public var lastMinuteRequests: Int
    public var lastMinuteTokens: Int
    public var wouldRefuseNow: Bool
}

/// What a key may do: models (globs such as `openai/gpt-4o*`), until when, from which addresses.
/// Empty lists and a nil expiry do not restrict.
public struct KeyScope: HubRecord, Equatable {
    public static let databaseTableName = "key_scopes"
    /// The table's primary key is the key's id (there is no `id` column).
    public static var storeKeyColumn: String { "key_id" }
    public var keyId: Int64
    public var models: [String]
    public var expiresAt: Date?
    public var cidrs: [String]

    public init(keyId: Int64, models: [String] = [], expiresAt: Date? = nil, cidrs: [String] = []) {
        self.keyId = keyId; self.models = models; self.expiresAt = expiresAt; self.cidrs = cidrs
    }

    public var isEmpty: Bool { models.isEmpty && expiresAt == nil && cidrs.isEmpty }
}

/// A team with its size and this month's spend (`teams.list`).
public struct TeamSummary: Codable, Sendable, Equatable {
    public var team: Team
    public var members: Int
    public var keys: Int
    public var spendThisMonth: Amount
}

/// A team with its members, keys, budgets and limits (`teams.show`).
public struct TeamDetail: Codable, Sendable, Equatable {
    public var team: Team
    public var members: [User]
    public var keys: [APIKey]
    public var budgets: [BudgetStatus]
    public var limits: [RateLimit]
}
