import Foundation
import GRDB

/// A user with what a support agent needs at a glance.
public struct UserDetail: Codable, Sendable, Equatable {
    public var user: User
    public var keys: [APIKey]
    public var recentLedger: [LedgerEntry]
    /// Credits charged for usage since the first of this month (UTC).
    public var spendThisMonth: Amount
    public var requestsThisMonth: Int
}

extension Admin {
    /// `users.add`: creates a user; in service-provider mode with starter credits on, grants them.
    public struct UsersAdd: AdminMethod {
        public static let name = "users.add"
        public var name: String
        public var email: String?
        public init(name: String, email: String? = nil) { self.name = name; self.email = email }

        public func run(_ context: AdminContext) async throws -> User {
            let name = try Validate.name(self.name, of: "user")
            let email = email?.trimmingSpaces
            try email.map { text throws(HubError) in try Validate.plainText(text, "the email") }
            if let email, !email.isEmpty, !(email.contains("@") && !email.contains(" ")) {
                throw HubError.invalid("'\(email)' is not an email address")
            }
            return try await context.write { db in
                if try User.fetchOne(db, sql: "SELECT * FROM users WHERE lower(name) = lower(?)", arguments: [name]) != nil {
                    throw HubError(.alreadyExists, HubText(.userExists, name))
                }
                var user = User(id: nil, name: name, email: email?.isEmpty == true ? nil : email,
                                status: .active, balance: .zero, createdAt: Date())
                try user.insert(db)
                try context.audit(db, "users.add", target: "user:\(name)", before: User?.none, after: user)
                let settings = try Settings.current(db)
                if settings.mode == .serviceProvider, settings.starterCreditsEnabled, settings.starterCredits.isPositive {
                    let now = Date()
                    let entry = try Ledger.post(
                        db, userId: user.id!, kind: .grant, amount: settings.starterCredits, actor: context.actor,
                        reason: "starter credits", idempotencyKey: "starter:\(user.id!)", at: now,
                        bucket: settings.starterCreditsExpireDays.map { days in
                            .expiring(until: now.addingTimeInterval(TimeInterval(days) * 86_400), source: CreditBuckets.starterSource(user.id!))
                        })
                    user.balance = entry.balanceAfter
                }
                return user
            }
        }
    }

    /// `users.list`: users by name, optionally filtered by a substring of name or email and by status.
    public struct UsersList: AdminMethod {
        public static let name = "users.list"
        public static let mutates = false
        public var filter: String?
        public var status: UserStatus?
        public var limit: Int?
        public init(filter: String? = nil, status: UserStatus? = nil, limit: Int? = nil) {
            self.filter = filter; self.status = status; self.limit = limit
        }

        public func run(_ context: AdminContext) async throws -> [User] {
            let limit = try Validate.limit(limit, default: 1_000, max: 100_000)
            return try await context.read { db in
                var conditions: [String] = []
                var arguments: StoreArguments = []
                if let filter, !filter.isEmpty {
                    let pattern = Pattern.containing(filter)
                    conditions.append("(lower(name) LIKE lower(?) ESCAPE '\\' OR lower(email) LIKE lower(?) ESCAPE '\\')")
                    arguments += [pattern, pattern]
                }
                if let status {
                    conditions.append("status = ?")
                    arguments += [status.rawValue]
                }
                arguments += [limit]
                return try User.fetchAll(db, sql: """
                    SELECT * FROM users\(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
                    ORDER BY \(db.binaryOrder("lower(name)")) LIMIT ?
                    """, arguments: arguments)
            }
        }
    }

    /// `users.show`: one user with keys, the last 20 ledger entries and this month's spend.
    public struct UsersShow: AdminMethod {
        public static let name = "users.show"
        public static let mutates = false
        public var user: String
        public init(user: String) { self.user = user }

        public func run(_ context: AdminContext) async throws -> UserDetail {
            try await context.read { db in
                let user = try Lookup.user(db, self.user)
                let keys = try APIKey.fetchAll(db, sql: "SELECT * FROM api_keys WHERE user_id = ? ORDER BY id", arguments: [user.id])
                let ledger = try LedgerEntry.fetchAll(db, sql: "SELECT * FROM ledger WHERE user_id = ? ORDER BY id DESC LIMIT 20",
                                                      arguments: [user.id])
                let month = UsageRollup.day(Calendar.utc.dateInterval(of: .month, for: Date())!.start)
                let row = try Row.fetchOne(db, sql: """
                    SELECT COALESCE(SUM(credits_charged), 0) AS spend, COALESCE(SUM(requests), 0) AS requests
                    FROM usage_daily WHERE user_id = ? AND day >= ?
                    """, arguments: [user.id, month])!
                return UserDetail(user: user, keys: keys, recentLedger: ledger,
                                  spendThisMonth: row["spend"], requestsThisMonth: row["requests"])
            }
        }
    }

    /// `users.suspend`: a suspended user's keys are refused until `users.resume`.
    public struct UsersSuspend: AdminMethod {
        public static let name = "users.suspend"
        public var user: String
        public var reason: String?
        public init(user: String, reason: String? = nil) { self.user = user; self.reason = reason }
        public func run(_ context: AdminContext) async throws -> User {
            try await UserStatusChange.apply(.suspended, to: user, reason: reason, context, action: Self.name)
        }
    }

    /// `users.resume`: lifts a suspension.
    public struct UsersResume: AdminMethod {
        public static let name = "users.resume"
        public var user: String
        public var reason: String?
        public init(user: String, reason: String? = nil) { self.user = user; self.reason = reason }
        public func run(_ context: AdminContext) async throws -> User {
            try await UserStatusChange.apply(.active, to: user, reason: reason, context, action: Self.name)
        }
    }

    /// `users.grant`: adds credits (kind grant, purchase or refund) with a required reason.
    public struct UsersGrant: AdminMethod {
        public static let name = "users.grant"
        public var user: String
        public var amount: Amount
        public var reason: String
        public var kind: LedgerKind?
        public var idempotencyKey: String?

        public init(user: String, amount: Amount, reason: String, kind: LedgerKind? = nil, idempotencyKey: String? = nil) {
            self.user = user; self.amount = amount; self.reason = reason; self.kind = kind
            self.idempotencyKey = idempotencyKey
        }

        public func run(_ context: AdminContext) async throws -> LedgerEntry {
            let kind = kind ?? .grant
            guard [.grant, .purchase, .refund].contains(kind) else {
                throw HubError.invalid("a grant is of kind grant, purchase or refund, not \(kind.rawValue)")
            }
            return try await BalanceChange.apply(
                kind: kind, amount: try Validate.positive(amount, "the amount"), user: user,
                reason: reason, idempotencyKey: idempotencyKey, context, action: Self.name)
        }
    }

    /// `users.deduct`: takes credits away (an adjustment); refused if the balance would go below zero.
    public struct UsersDeduct: AdminMethod {
        public static let name = "users.deduct"
        public var user: String
        public var amount: Amount
        public var reason: String
        public var idempotencyKey: String?

        public init(user: String, amount: Amount, reason: String, idempotencyKey: String? = nil) {
            self.user = user; self.amount = amount; self.reason = reason; self.idempotencyKey = idempotencyKey
        }

        public func run(_ context: AdminContext) async throws -> LedgerEntry {
            try await BalanceChange.apply(
                kind: .adjustment, amount: try Validate.positive(amount, "the amount").negated, user: user,
                reason: reason, idempotencyKey: idempotencyKey, context, action: Self.name)
        }
    }

    /// `users.ledger`: a user's ledger, newest first.
    public struct UsersLedger: AdminMethod {
        public static let name = "users.ledger"
        public static let mutates = false
        public var user: String
        public var limit: Int?
        public init(user: String, limit: Int? = nil) { self.user = user; self.limit = limit }

        public func run(_ context: AdminContext) async throws -> [LedgerEntry] {
            let limit = try Validate.limit(limit, default: 100, max: 100_000)
            return try await context.read { db in
                let user = try Lookup.user(db, self.user)
                return try LedgerEntry.fetchAll(db, sql: "SELECT * FROM ledger WHERE user_id = ? ORDER BY id DESC LIMIT ?",
                                                arguments: [user.id, limit])
            }
        }
    }
}

private enum UserStatusChange {
    static func apply(_ status: UserStatus, to reference: String, reason: String?, _ context: AdminContext,
                      action: String) async throws -> User {
        try reason.map { text throws(HubError) in try Validate.plainText(text, "the reason") }
        return try await context.write { db in
            let before = try Lookup.user(db, reference)
            guard before.status != status else {
                throw HubError(.failedPrecondition, "\(before.name) is already \(status.rawValue)")
            }
            var after = before
            after.status = status
            try db.execute(sql: "UPDATE users SET status = ? WHERE id = ?", arguments: [status.rawValue, before.id])
            struct Change: Encodable { var user: User; var reason: String? }
            try context.audit(db, action, target: "user:\(before.name)",
                              before: Change(user: before, reason: nil), after: Change(user: after, reason: reason))
            return after
        }
    }
}

private enum BalanceChange {
    static func apply(kind: LedgerKind, amount: Amount, user reference: String, reason: String,
                      idempotencyKey: String?, _ context: AdminContext, action: String) async throws -> LedgerEntry {
        let reason = try Validate.reason(reason)
        return try await context.write { db in
            let user = try Lookup.user(db, reference)
            let entry = try Ledger.post(db, userId: user.id!, kind: kind, amount: amount, actor: context.actor,
                                        reason: reason, idempotencyKey: idempotencyKey)
            try context.audit(db, action, target: "user:\(user.name)", before: user, after: entry)
            return entry
        }
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
