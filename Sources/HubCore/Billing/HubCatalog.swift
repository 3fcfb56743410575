import Foundation
import GRDB

/// Everything the gateway routes and bills by, read in one snapshot: the settings, providers with
/// their credentials (secrets unsealed: kept in memory only, never logged), current rates, API keys
/// by hash and users' status. The gateway rebuilds it when ``ChangeMarker`` moves.
public struct HubCatalog: Sendable {
    /// A provider credential with its secret in clear, for the gateway's memory only.
    public struct Credential: Sendable, Equatable {
        public var id: Int64
        public var providerId: Int64
        public var name: String
        public var secret: String
        public var weight: Int
        public var enabled: Bool

        public init(id: Int64, providerId: Int64, name: String, secret: String, weight: Int, enabled: Bool) {
            self.id = id; self.providerId = providerId; self.name = name; self.secret = secret
            self.weight = weight; self.enabled = enabled
        }
    }

    /// An API key as the gateway authenticates it.
    public struct KeyOwner: Sendable, Equatable {
        public var keyId: Int64
        public var userId: Int64
        public var revoked: Bool
    }

    public var settings: HubSettings
    public var providers: [Provider]
    public var credentials: [Credential]
    /// Current rates (`valid_to IS NULL`).
    public var rates: [ModelRate]
    /// API keys by the SHA-256 hex of their secret.
    public var keysByHash: [String: KeyOwner]
    public var users: [Int64: User]
    /// The marker this catalog was read at.
    public var marker: ChangeMarker
    /// Teams of keys, budgets, rate limits and key scopes (issue 12).
    public var governance = GovernanceCatalog()

    /// Reads the whole catalog in one read transaction.
    public static func load(_ store: HubStore, sealer: SecretSealer) async throws(HubError) -> HubCatalog {
        let raw = try await store.read { db in
            guard let settings = try HubSettings.fetchOne(db) else {
                throw HubError(.storage, "the settings row is missing")
            }
            return (settings, try Provider.fetchAll(db),
                    try StoredCredential.fetchAll(db),
                    try ModelRate.fetchAll(db, sql: "SELECT * FROM model_rates WHERE valid_to IS NULL ORDER BY id"),
                    try APIKey.fetchAll(db), try User.fetchAll(db), try ChangeMarker.read(db), try GovernanceCatalog.load(db))
        }
        var credentials: [Credential] = []
        for stored in raw.2 {
            credentials.append(Credential(
                id: stored.id ?? 0, providerId: stored.providerId, name: stored.name,
                secret: try sealer.unseal(stored.sealedSecret), weight: stored.weight, enabled: stored.enabled))
        }
        let keys = Dictionary(raw.4.map { ($0.hash, KeyOwner(keyId: $0.id ?? 0, userId: $0.userId, revoked: $0.isRevoked)) },
                              uniquingKeysWith: { first, _ in first })
        let users = Dictionary(uniqueKeysWithValues: raw.5.map { ($0.id ?? 0, $0) })
        return HubCatalog(settings: raw.0, providers: raw.1, credentials: credentials, rates: raw.3,
                          keysByHash: keys, users: users, marker: raw.6, governance: raw.7)
    }
}

/// A cheap fingerprint of the configuration: every admin change writes an audit entry, and users
/// and keys are counted too in case a row was written without one. Compared every poll.
public struct ChangeMarker: Sendable, Equatable {
    public var auditId: Int64
    public var userCount: Int64
    public var keyMaxId: Int64

    package static func read(_ db: StoreDB) throws -> ChangeMarker {
        let row = try Row.fetchOne(db, sql: """
            SELECT (SELECT COALESCE(MAX(id), 0) FROM audit_log) AS a,
                   (SELECT COUNT(*) FROM users) AS u,
                   (SELECT COALESCE(MAX(id), 0) FROM api_keys) AS k
            """)
        return ChangeMarker(auditId: row?["a"] ?? 0, userCount: row?["u"] ?? 0, keyMaxId: row?["k"] ?? 0)
    }

    public static func read(_ store: HubStore) async throws(HubError) -> ChangeMarker {
        try await store.read { db in try read(db) }
    }
}

/// Balances as of a ledger position: the gateway tails the ledger to learn of grants and charges
/// made by any process.
public enum BalanceFeed {
    /// One user's balance after the ledger entry `ledgerId`.
    public struct Update: Sendable, Equatable {
        public var userId: Int64
        public var balance: Amount
        public var ledgerId: Int64

        public init(userId: Int64, balance: Amount, ledgerId: Int64) {
            self.userId = userId; self.balance = balance; self.ledgerId = ledgerId
        }
    }

    /// Every user's current balance with the last ledger id that touched it.
    public static func all(_ store: HubStore) async throws(HubError) -> (updates: [Update], lastLedgerId: Int64) {
        try await store.read { db in
            let last = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM ledger") ?? 0
            let rows = try Row.fetchAll(db, sql: "SELECT id, balance FROM users")
            return (rows.map { Update(userId: $0["id"], balance: Amount(nanos: $0["balance"]), ledgerId: last) }, last)
        }
    }

    /// Ledger entries after `ledgerId`, in order, as balance updates.
    public static func since(_ ledgerId: Int64, _ store: HubStore, limit: Int = 10_000) async throws(HubError) -> [Update] {
        try await store.read { db in
            try Row.fetchAll(db, sql: "SELECT id, user_id, balance_after FROM ledger WHERE id > ? ORDER BY id LIMIT ?",
                             arguments: [ledgerId, limit])
                .map { Update(userId: $0["user_id"], balance: Amount(nanos: $0["balance_after"]), ledgerId: $0["id"]) }
        }
    }
}
