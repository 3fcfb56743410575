import Foundation
import GRDB

extension Admin {
    /// `limits.set`: requests per minute, tokens per minute and concurrent requests of a subject
    /// (exactly one of `key`, `user`, `team`). Fields left out stay as they were; 0 is not a value
    /// (`limits.remove` lifts the limits).
    public struct LimitsSet: AdminMethod {
        public static let name = "limits.set"
        public var key: String?
        public var user: String?
        public var team: String?
        public var rpm: Int?
        public var tpm: Int?
        public var concurrency: Int?

        public init(key: String? = nil, user: String? = nil, team: String? = nil, rpm: Int? = nil, tpm: Int? = nil,
                    concurrency: Int? = nil) {
            self.key = key; self.user = user; self.team = team; self.rpm = rpm; self.tpm = tpm; self.concurrency = concurrency
        }

        public func run(_ context: AdminContext) async throws -> RateLimit {
            let values = try LimitDraft.validate(LimitValues(rpm: rpm, tpm: tpm, concurrency: concurrency))
            guard !values.isEmpty else { throw HubError.invalid("give at least one of rpm, tpm and concurrency") }
            return try await context.write { db in
                let subject = try Lookup.subject(db, key: key, user: user, team: team)
                let before = try LimitDraft.find(db, subject)
                var after = LimitDraft.merged(before, subject, values)
                if before == nil { try after.insert(db) } else { try after.update(db) }
                try context.audit(db, Self.name, target: LimitDraft.target(subject), before: before, after: after)
                return try RateLimit(after, db)
            }
        }
    }

    /// `limits.preview`: the limit as `limits.set` would make it, with the subject's traffic of the
    /// last minute and whether a call would be refused now. Changes nothing.
    public struct LimitsPreview: AdminMethod {
        public static let name = "limits.preview"
        public static let mutates = false
        public var key: String?
        public var user: String?
        public var team: String?
        public var rpm: Int?
        public var tpm: Int?
        public var concurrency: Int?

        public init(key: String? = nil, user: String? = nil, team: String? = nil, rpm: Int? = nil, tpm: Int? = nil,
                    concurrency: Int? = nil) {
            self.key = key; self.user = user; self.team = team; self.rpm = rpm; self.tpm = tpm; self.concurrency = concurrency
        }

        public func run(_ context: AdminContext) async throws -> LimitPreview {
            let values = try LimitDraft.validate(LimitValues(rpm: rpm, tpm: tpm, concurrency: concurrency))
            return try await context.read { db in
                let subject = try Lookup.subject(db, key: key, user: user, team: team)
                let limit = LimitDraft.merged(try LimitDraft.find(db, subject), subject, values)
                let traffic = try GovernanceSpend.traffic(db, kind: subject.kind, id: subject.id, since: Date().addingTimeInterval(-60))
                let refuses = limit.rpm.map { traffic.requests >= $0 } == true || limit.tpm.map { traffic.tokens >= $0 } == true
                return LimitPreview(limit: try RateLimit(limit, db), lastMinuteRequests: traffic.requests,
                                    lastMinuteTokens: traffic.tokens, wouldRefuseNow: refuses)
            }
        }
    }

    /// `limits.list`: every rate limit, or a subject's.
    public struct LimitsList: AdminMethod {
        public static let name = "limits.list"
        public static let mutates = false
        public var key: String?
        public var user: String?
        public var team: String?
        public init(key: String? = nil, user: String? = nil, team: String? = nil) { self.key = key; self.user = user; self.team = team }

        public func run(_ context: AdminContext) async throws -> [RateLimit] {
            try await context.read { db in
                let subject = try Lookup.optionalSubject(db, key: key, user: user, team: team)
                return try RateLimit.all(db, subject: subject)
            }
        }
    }

    /// `limits.remove`: lifts every rate limit of a subject.
    public struct LimitsRemove: AdminMethod {
        public static let name = "limits.remove"
        public var key: String?
        public var user: String?
        public var team: String?
        public init(key: String? = nil, user: String? = nil, team: String? = nil) { self.key = key; self.user = user; self.team = team }

        public func run(_ context: AdminContext) async throws -> Done {
            try await context.write { db in
                let subject = try Lookup.subject(db, key: key, user: user, team: team)
                guard let before = try LimitDraft.find(db, subject) else {
                    throw HubError.notFound("\(subject.kind.rawValue) \(subject.name) has no rate limit")
                }
                _ = try before.delete(db)
                try context.audit(db, Self.name, target: LimitDraft.target(subject), before: before, after: StoredRateLimit?.none)
                return Done()
            }
        }
    }
}

enum LimitDraft {
    static let maximum = 1_000_000_000

    /// Each given value must be a positive count.
    static func validate(_ values: LimitValues) throws(HubError) -> LimitValues {
        for (name, value) in [("rpm", values.rpm), ("tpm", values.tpm), ("concurrency", values.concurrency)] {
            guard let value else { continue }
            guard value > 0 else {
                throw HubError.invalid("\(name) must be a positive count, got \(value) (to lift a limit use limits remove)")
            }
            guard value <= maximum else { throw HubError.invalid("\(name) must be at most \(maximum), got \(value)") }
        }
        return values
    }

    static func find(_ db: StoreDB, _ subject: Subject) throws -> StoredRateLimit? {
        try StoredRateLimit.fetchOne(db, sql: "SELECT * FROM rate_limits WHERE subject_kind = ? AND subject_id = ? LIMIT 1",
                                     arguments: [subject.kind.rawValue, subject.id])
    }

    static func merged(_ before: StoredRateLimit?, _ subject: Subject, _ values: LimitValues) -> StoredRateLimit {
        var limit = before ?? StoredRateLimit(id: nil, subjectKind: subject.kind, subjectId: subject.id)
        if let rpm = values.rpm { limit.rpm = rpm }
        if let tpm = values.tpm { limit.tpm = tpm }
        if let concurrency = values.concurrency { limit.concurrency = concurrency }
        return limit
    }

    static func target(_ subject: Subject) -> String { "limit:\(subject.kind.rawValue):\(subject.name)" }
}
