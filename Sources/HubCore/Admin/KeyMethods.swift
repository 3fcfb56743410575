import Foundation
import GRDB

/// A new API key: `secret` is shown this once and stored nowhere.
public struct CreatedAPIKey: Codable, Sendable, Equatable {
    public var key: APIKey
    public var userName: String
    public var secret: String
}

/// An API key with its owner's name, for lists.
public struct APIKeyInfo: Codable, Sendable, Equatable, FetchableRecord {
    public var key: APIKey
    public var userName: String

    public init(row: Row) throws {
        key = try APIKey(row: row)
        userName = row["user_name"]
    }
}

extension Admin {
    /// `keys.create`: a new key for a user; the secret is in the result and nowhere else.
    public struct KeysCreate: AdminMethod {
        public static let name = "keys.create"
        public var user: String
        public var name: String
        /// The team the key spends for (its user must be a member).
        public var team: String?
        public init(user: String, name: String, team: String? = nil) { self.user = user; self.name = name; self.team = team }

        public func run(_ context: AdminContext) async throws -> CreatedAPIKey {
            let name = try Validate.name(self.name, of: "key")
            let secret = APIKeySecret.generate()
            return try await context.write { db in
                let owner = try Lookup.user(db, user)
                var key = APIKey(id: nil, userId: owner.id!, name: name, hash: APIKeySecret.hash(secret),
                                 prefix: APIKeySecret.visiblePrefix(of: secret), createdAt: Date(),
                                 lastUsedAt: nil, revokedAt: nil)
                key.teamId = try team.map { reference in try TeamMembership.check(db, team: reference, userId: owner.id!).id! }
                try key.insert(db)
                try context.audit(db, Self.name, target: "user:\(owner.name)", before: APIKey?.none, after: key)
                return CreatedAPIKey(key: key, userName: owner.name, secret: secret)
            }
        }
    }

    /// `keys.list`: keys of one user, or of everyone.
    public struct KeysList: AdminMethod {
        public static let name = "keys.list"
        public static let mutates = false
        public var user: String?
        public init(user: String? = nil) { self.user = user }

        public func run(_ context: AdminContext) async throws -> [APIKeyInfo] {
            try await context.read { db in
                var sql = "SELECT k.*, u.name AS user_name FROM api_keys k JOIN users u ON u.id = k.user_id"
                var arguments: StoreArguments = []
                if let user {
                    sql += " WHERE k.user_id = ?"
                    arguments = [try Lookup.user(db, user).id]
                }
                return try APIKeyInfo.fetchAll(db, sql: sql + " ORDER BY k.id", arguments: arguments)
            }
        }
    }

    /// `keys.revoke`: a key named by id or by its visible prefix stops working at once.
    public struct KeysRevoke: AdminMethod {
        public static let name = "keys.revoke"
        public var key: String
        public init(key: String) { self.key = key }

        public func run(_ context: AdminContext) async throws -> APIKey {
            try await context.write { db in
                let before = try Lookup.key(db, key)
                guard !before.isRevoked else { throw HubError(.failedPrecondition, "key \(before.prefix) is already revoked") }
                var after = before
                after.revokedAt = Date()
                try db.execute(sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ?", arguments: [after.revokedAt, after.id])
                guard db.changesCount > 0 else { throw HubError.notFound("api_keys row not found") }
                try context.audit(db, Self.name, target: "key:\(before.prefix)", before: before, after: after)
                return after
            }
        }
    }
}
