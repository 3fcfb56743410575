import Foundation
import GRDB

/// Teams, keys and subjects named the way the admin API names them: a team or user by id or
/// name, a key as `keys.revoke` takes it (id or visible prefix), a subject as exactly one of them.
extension Lookup {
    static func team(_ db: StoreDB, _ reference: String) throws -> Team {
        try byIdOrName(db, reference, "team")
    }

    static func key(_ db: StoreDB, _ reference: String) throws -> APIKey {
        let reference = reference.trimmingSpaces
        guard !reference.isEmpty else { throw HubError.invalid("name a key by its id or its visible prefix") }
        let matches = if let id = Int64(reference) {
            try APIKey.fetchAll(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id])
        } else {
            try APIKey.fetchAll(db, sql: "SELECT * FROM api_keys WHERE prefix LIKE ? ESCAPE '\\'",
                                arguments: [Pattern.startingWith(reference)])
        }
        guard let key = matches.first else { throw HubError.notFound("unknown API key '\(reference)'") }
        guard matches.count == 1 else {
            throw HubError.invalid("'\(reference)' matches \(matches.count) keys: give more of the prefix or the id")
        }
        return key
    }

    /// The subject named by exactly one of `key`, `user`, `team`.
    static func subject(_ db: StoreDB, key: String?, user: String?, team: String?) throws -> Subject {
        let given = [key, user, team].compactMap { $0 }
        guard given.count == 1 else {
            throw HubError.invalid("name exactly one subject: a key, a user or a team (\(given.isEmpty ? "none" : "\(given.count)") given)")
        }
        if let key {
            let found = try self.key(db, key)
            return Subject(kind: .key, id: found.id!, name: found.prefix)
        }
        if let user {
            let found = try self.user(db, user)
            return Subject(kind: .user, id: found.id!, name: found.name)
        }
        let found = try self.team(db, team!)
        return Subject(kind: .team, id: found.id!, name: found.name)
    }

    /// The subject named by one of `key`, `user`, `team`, or nil when none is given (a list of all).
    static func optionalSubject(_ db: StoreDB, key: String?, user: String?, team: String?) throws -> Subject? {
        key == nil && user == nil && team == nil ? nil : try subject(db, key: key, user: user, team: team)
    }

    /// The subject of a stored `(kind, id)`, with its current name.
    static func subject(_ db: StoreDB, kind: SubjectKind, id: Int64) throws -> Subject {
        let name: String? = switch kind {
        case .key: try String.fetchOne(db, sql: "SELECT prefix FROM api_keys WHERE id = ?", arguments: [id])
        case .user: try String.fetchOne(db, sql: "SELECT name FROM users WHERE id = ?", arguments: [id])
        case .team: try String.fetchOne(db, sql: "SELECT name FROM teams WHERE id = ?", arguments: [id])
        }
        return Subject(kind: kind, id: id, name: name ?? "#\(id)")
    }
}

/// Budgets with their use in the current period.
enum BudgetStatuses {
    static func status(_ db: StoreDB, _ budget: Budget, settings: HubSettings, now: Date = Date()) throws -> BudgetStatus {
        let calendar = BudgetCalendar(settings: settings)
        let period = calendar.interval(budget.period, containing: now)
        let spent = try GovernanceSpend.spent(db, kind: budget.subjectKind, id: budget.subjectId, from: period.start,
                                              to: period.end, mode: settings.mode)
        return BudgetStatus(
            id: budget.id ?? 0, subject: try Lookup.subject(db, kind: budget.subjectKind, id: budget.subjectId),
            amount: budget.amount, period: budget.period, soft: budget.softPercent, spent: spent,
            periodStart: period.start, resetsAt: period.end,
            softReached: budget.softPercent.map { spent.nanos >= softLine(budget.amount, $0).nanos } ?? false,
            hardReached: spent >= budget.amount)
    }

    /// The soft threshold of `amount` at `percent`, rounded down to the nano-unit.
    static func softLine(_ amount: Amount, _ percent: Int) -> Amount {
        Amount(nanos: Int64((Int128(amount.nanos) * Int128(percent)) / 100))
    }

    static func all(_ db: StoreDB, subject: Subject?) throws -> [BudgetStatus] {
        let settings = try Settings.current(db)
        var sql = "SELECT * FROM budgets"
        var arguments: StoreArguments = []
        if let subject {
            sql += " WHERE subject_kind = ? AND subject_id = ?"
            arguments = [subject.kind.rawValue, subject.id]
        }
        return try Budget.fetchAll(db, sql: sql + " ORDER BY subject_kind, subject_id, period", arguments: arguments)
            .map { try status(db, $0, settings: settings) }
    }
}

extension RateLimit {
    init(_ stored: StoredRateLimit, _ db: StoreDB) throws {
        self.init(id: stored.id ?? 0, subject: try Lookup.subject(db, kind: stored.subjectKind, id: stored.subjectId),
                  rpm: stored.rpm, tpm: stored.tpm, concurrency: stored.concurrency)
    }

    static func all(_ db: StoreDB, subject: Subject?) throws -> [RateLimit] {
        var sql = "SELECT * FROM rate_limits"
        var arguments: StoreArguments = []
        if let subject {
            sql += " WHERE subject_kind = ? AND subject_id = ?"
            arguments = [subject.kind.rawValue, subject.id]
        }
        return try StoredRateLimit.fetchAll(db, sql: sql + " ORDER BY subject_kind, subject_id", arguments: arguments)
            .map { try RateLimit($0, db) }
    }
}
