import Foundation
import GRDB

extension Admin {
    /// `budgets.set`: the budget of a subject (exactly one of `key`, `user`, `team`) for a period; one
    /// per subject and period, so setting again replaces it. The amount is in credits in
    /// service-provider mode and in estimated provider USD in enterprise mode.
    public struct BudgetsSet: AdminMethod {
        public static let name = "budgets.set"
        public var key: String?
        public var user: String?
        public var team: String?
        public var amount: Amount
        public var period: BudgetPeriod
        /// The soft threshold, in percent of the amount (1-100).
        public var soft: Int?

        public init(key: String? = nil, user: String? = nil, team: String? = nil, amount: Amount, period: BudgetPeriod,
                    soft: Int? = nil) {
            self.key = key; self.user = user; self.team = team; self.amount = amount; self.period = period; self.soft = soft
        }

        public func run(_ context: AdminContext) async throws -> BudgetStatus {
            try BudgetDraft.validate(amount: amount, soft: soft)
            return try await context.write { db in
                let subject = try Lookup.subject(db, key: key, user: user, team: team)
                let existing = try BudgetDraft.find(db, subject, period)
                var budget = BudgetDraft.merged(existing, subject, period, amount: amount, soft: soft)
                if existing == nil { try budget.insert(db) } else { try budget.update(db) }
                try context.audit(db, Self.name, target: BudgetDraft.target(subject, period), before: existing, after: budget)
                return try BudgetStatuses.status(db, budget, settings: try Settings.current(db))
            }
        }
    }

    /// `budgets.preview`: the budget as `budgets.set` would make it, with this period's spend so far.
    /// Changes nothing.
    public struct BudgetsPreview: AdminMethod {
        public static let name = "budgets.preview"
        public static let mutates = false
        public var key: String?
        public var user: String?
        public var team: String?
        public var amount: Amount
        public var period: BudgetPeriod
        public var soft: Int?

        public init(key: String? = nil, user: String? = nil, team: String? = nil, amount: Amount, period: BudgetPeriod,
                    soft: Int? = nil) {
            self.key = key; self.user = user; self.team = team; self.amount = amount; self.period = period; self.soft = soft
        }

        public func run(_ context: AdminContext) async throws -> BudgetStatus {
            try BudgetDraft.validate(amount: amount, soft: soft)
            return try await context.read { db in
                let subject = try Lookup.subject(db, key: key, user: user, team: team)
                let budget = BudgetDraft.merged(try BudgetDraft.find(db, subject, period), subject, period, amount: amount, soft: soft)
                return try BudgetStatuses.status(db, budget, settings: try Settings.current(db))
            }
        }
    }

    /// `budgets.list`: every budget, or a subject's, with this period's use.
    public struct BudgetsList: AdminMethod {
        public static let name = "budgets.list"
        public static let mutates = false
        public var key: String?
        public var user: String?
        public var team: String?
        public init(key: String? = nil, user: String? = nil, team: String? = nil) { self.key = key; self.user = user; self.team = team }

        public func run(_ context: AdminContext) async throws -> [BudgetStatus] {
            try await context.read { db in
                let subject = try Lookup.optionalSubject(db, key: key, user: user, team: team)
                return try BudgetStatuses.all(db, subject: subject)
            }
        }
    }

    /// `budgets.remove`: a subject's budget for one period, or all of its budgets.
    public struct BudgetsRemove: AdminMethod {
        public static let name = "budgets.remove"
        public var key: String?
        public var user: String?
        public var team: String?
        public var period: BudgetPeriod?

        public init(key: String? = nil, user: String? = nil, team: String? = nil, period: BudgetPeriod? = nil) {
            self.key = key; self.user = user; self.team = team; self.period = period
        }

        public func run(_ context: AdminContext) async throws -> Done {
            try await context.write { db in
                let subject = try Lookup.subject(db, key: key, user: user, team: team)
                var condition = "subject_kind = ? AND subject_id = ?"
                var arguments: StoreArguments = [subject.kind.rawValue, subject.id]
                if let period {
                    condition += " AND period = ?"
                    arguments += [period.rawValue]
                }
                let removed = try Budget.fetchAll(db, sql: "SELECT * FROM budgets WHERE \(condition) ORDER BY period",
                                                  arguments: arguments)
                guard !removed.isEmpty else {
                    throw HubError.notFound("\(subject.kind.rawValue) \(subject.name) has no \(period.map { "\($0.rawValue) " } ?? "")budget")
                }
                try db.execute(sql: "DELETE FROM budgets WHERE \(condition)", arguments: arguments)
                for budget in removed {
                    try context.audit(db, Self.name, target: BudgetDraft.target(subject, budget.period), before: budget,
                                      after: Budget?.none)
                }
                return Done()
            }
        }
    }
}

enum BudgetDraft {
    static func validate(amount: Amount, soft: Int?) throws(HubError) {
        _ = try Validate.positive(amount, "the budget amount")
        if let soft, !(1...100).contains(soft) {
            throw HubError.invalid("the soft threshold is a percentage from 1 to 100, got \(soft)")
        }
    }

    static func find(_ db: StoreDB, _ subject: Subject, _ period: BudgetPeriod) throws -> Budget? {
        try Budget.fetchOne(db, sql: "SELECT * FROM budgets WHERE subject_kind = ? AND subject_id = ? AND period = ? LIMIT 1",
                            arguments: [subject.kind.rawValue, subject.id, period.rawValue])
    }

    /// The budget `existing` (or a new one) with `amount` and `soft`.
    static func merged(_ existing: Budget?, _ subject: Subject, _ period: BudgetPeriod, amount: Amount, soft: Int?) -> Budget {
        var budget = existing ?? Budget(id: nil, subjectKind: subject.kind, subjectId: subject.id, period: period, amount: amount,
                                        softPercent: soft, softNoticePeriod: nil, createdAt: Date(), updatedAt: Date())
        budget.amount = amount
        budget.softPercent = soft
        budget.updatedAt = Date()
        return budget
    }

    static func target(_ subject: Subject, _ period: BudgetPeriod) -> String {
        "budget:\(subject.kind.rawValue):\(subject.name):\(period.rawValue)"
    }
}
