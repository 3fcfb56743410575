import Foundation
import GRDB

/// A budget's or limit's subject as the gateway indexes it.
public struct SubjectKey: Hashable, Sendable, CustomStringConvertible {
    public var kind: SubjectKind
    public var id: Int64

    public init(_ kind: SubjectKind, _ id: Int64) { self.kind = kind; self.id = id }

    public var description: String { "\(kind.rawValue) \(id)" }
}

/// A key scope with its patterns and ranges parsed once per configuration load, for the request path.
public struct ParsedKeyScope: Sendable {
    public var scope: KeyScope
    public var models: [ModelGlob]
    public var ranges: [AddressRange]

    public init(_ scope: KeyScope) {
        self.scope = scope
        models = scope.models.compactMap { try? ModelGlob($0) }
        ranges = scope.cidrs.compactMap { try? AddressRange($0) }
    }
}

/// What the gateway governs calls by, read with the rest of its catalog: the team of each key,
/// budgets, rate limits, key scopes and the names of their subjects (for error messages).
public struct GovernanceCatalog: Sendable {
    public var keyTeams: [Int64: Int64]
    public var budgets: [Budget]
    public var limits: [SubjectKey: LimitValues]
    public var scopes: [Int64: ParsedKeyScope]
    public var names: [SubjectKey: String]

    public init(keyTeams: [Int64: Int64] = [:], budgets: [Budget] = [], limits: [SubjectKey: LimitValues] = [:],
                scopes: [Int64: ParsedKeyScope] = [:], names: [SubjectKey: String] = [:]) {
        self.keyTeams = keyTeams; self.budgets = budgets; self.limits = limits; self.scopes = scopes; self.names = names
    }

    package static func load(_ db: StoreDB) throws -> GovernanceCatalog {
        var catalog = GovernanceCatalog()
        for row in try Row.fetchAll(db, sql: "SELECT id, team_id FROM api_keys WHERE team_id IS NOT NULL") {
            catalog.keyTeams[row["id"]] = row["team_id"]
        }
        catalog.budgets = try Budget.fetchAll(db)
        for limit in try StoredRateLimit.fetchAll(db) {
            catalog.limits[SubjectKey(limit.subjectKind, limit.subjectId)] =
                LimitValues(rpm: limit.rpm, tpm: limit.tpm, concurrency: limit.concurrency)
        }
        for scope in try KeyScope.fetchAll(db) { catalog.scopes[scope.keyId] = ParsedKeyScope(scope) }
        let subjects = Set(catalog.budgets.map { SubjectKey($0.subjectKind, $0.subjectId) }).union(catalog.limits.keys)
        for subject in subjects {
            catalog.names[subject] = try Lookup.subject(db, kind: subject.kind, id: subject.id).name
        }
        return catalog
    }

    /// The subjects a call of `keyId` (user `userId`) counts for: the key, its user, its team.
    public func subjects(keyId: Int64, userId: Int64) -> [SubjectKey] {
        var subjects = [SubjectKey(.key, keyId), SubjectKey(.user, userId)]
        if let team = keyTeams[keyId] { subjects.append(SubjectKey(.team, team)) }
        return subjects
    }

    public func name(_ subject: SubjectKey) -> String { names[subject] ?? "#\(subject.id)" }
}

extension GovernanceSpend {
    /// The spend of every budget in its period holding `now`, in one read (the gateway's start-up
    /// and its periodic resynchronisation).
    public static func current(_ budgets: [Budget], settings: HubSettings, now: Date, _ store: HubStore)
        async throws(HubError) -> [Int64: (periodStart: Date, spent: Amount)] {
        let calendar = BudgetCalendar(settings: settings)
        return try await store.read { db in
            var result: [Int64: (Date, Amount)] = [:]
            for budget in budgets {
                let period = calendar.interval(budget.period, containing: now)
                result[budget.id ?? 0] = (period.start, try spent(db, kind: budget.subjectKind, id: budget.subjectId,
                                                                  from: period.start, to: period.end, mode: settings.mode))
            }
            return result
        }
    }
}
