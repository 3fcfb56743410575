import Foundation
import GRDB

// The records of the store, one per table, with Swift names for the snake_case columns.
// Money is `Amount` (INTEGER nano-units); times are `Date`.

/// Shared GRDB conventions: snake_case columns, Swift camelCase properties.
public protocol HubRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    /// The primary key column that ``StoreDB``'s record operations use on PostgreSQL (`id` unless the table says otherwise).
    static var storeKeyColumn: String { get }
}

extension HubRecord {
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
}

/// The `settings` row: the deployment mode and the service-provider options.
public struct HubSettings: HubRecord, Equatable {
    public static let databaseTableName = "settings"
    var id: Int64 = 1
    public var mode: DeploymentMode
    public var starterCreditsEnabled: Bool
    public var starterCredits: Amount
    public var paymentLink: String?
    public var lowBalanceThreshold: Amount
    public var allowUnpricedModels: Bool
    public var updatedAt: Date
    /// The IANA time zone whose calendar days, weeks (from Monday) and months budgets count in.
    public var governanceTimeZone: String = "UTC"
    /// The rate limits of a key that has none of its own, per mode.
    public var defaultKeyLimits = DefaultKeyLimits()
    /// Refused key checks one client address may make per minute; beyond it, 429 (0: no limit).
    public var unauthenticatedRpm: Int = 300
    /// Starter credits expire this many days after the user was made (nil: they never expire).
    public var starterCreditsExpireDays: Int?
}

public struct Provider: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "providers"
    public var id: Int64?
    public var name: String
    public var kind: ProviderKind
    public var displayName: String
    public var baseURL: String
    public var enabled: Bool
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, kind, displayName, enabled, createdAt
        case baseURL = "baseUrl"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A provider credential as stored: the secret only in sealed form.
struct StoredCredential: HubRecord, Equatable {
    static let databaseTableName = "credentials"
    var id: Int64?
    var providerId: Int64
    var name: String
    var sealedSecret: Data
    var secretHint: String
    var weight: Int
    var enabled: Bool
    var lastError: String?
    var lastUsedAt: Date?
    var createdAt: Date

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One row of rate history. The current rate of a (provider, model, type) has `validTo == nil`.
public struct ModelRate: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "model_rates"
    public var id: Int64?
    public var providerId: Int64
    public var model: String
    public var type: ModelType
    public var inputRate: Amount
    public var outputRate: Amount
    public var cachedInputRate: Amount?
    public var imageRate: Amount
    public var inputCost: Amount
    public var outputCost: Amount
    public var cachedInputCost: Amount?
    public var imageCost: Amount
    public var validFrom: Date
    public var validTo: Date?
    /// Credits per 1M prompt tokens written to the provider's cache; nil: priced as input.
    public var cacheWriteRate: Amount? = nil
    /// Provider USD per 1M prompt tokens written to its cache; nil: priced as input.
    public var cacheWriteCost: Amount? = nil

    /// What the hub charges, in credits.
    public var rate: ModelPrice {
        ModelPrice(inputPerMillion: inputRate, outputPerMillion: outputRate,
                   cachedInputPerMillion: cachedInputRate, cacheWritePerMillion: cacheWriteRate, perImage: imageRate)
    }

    /// What the provider costs, in USD.
    public var cost: ModelPrice {
        ModelPrice(inputPerMillion: inputCost, outputPerMillion: outputCost,
                   cachedInputPerMillion: cachedInputCost, cacheWritePerMillion: cacheWriteCost, perImage: imageCost)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct User: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "users"
    public var id: Int64?
    public var name: String
    public var email: String?
    public var status: UserStatus
    public var balance: Amount
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A client API key. Only the SHA-256 of the secret is stored; `prefix` lets a person recognise it.
public struct APIKey: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "api_keys"
    public var id: Int64?
    public var userId: Int64
    public var name: String
    var hash: String
    public var prefix: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?
    /// The team this key spends for (nil: its user's own spend only).
    public var teamId: Int64? = nil

    public var isRevoked: Bool { revokedAt != nil }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension APIKey {
    enum CodingKeys: String, CodingKey {
        case id, userId, name, hash, prefix, createdAt, lastUsedAt, revokedAt, teamId
    }

    /// Reads a key from the database (with its hash) or from JSON (which never carries it).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(Int64.self, forKey: .id)
        userId = try container.decode(Int64.self, forKey: .userId)
        name = try container.decode(String.self, forKey: .name)
        hash = try container.decodeIfPresent(String.self, forKey: .hash) ?? ""
        prefix = try container.decode(String.self, forKey: .prefix)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        lastUsedAt = try container.decodeIfPresent(Date.self, forKey: .lastUsedAt)
        revokedAt = try container.decodeIfPresent(Date.self, forKey: .revokedAt)
        teamId = try container.decodeIfPresent(Int64.self, forKey: .teamId)
    }

    /// The JSON form (CLI `--json`, admin socket) leaves the hash out: no reader needs it.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encode(userId, forKey: .userId)
        try container.encode(name, forKey: .name)
        try container.encode(prefix, forKey: .prefix)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encodeIfPresent(lastUsedAt, forKey: .lastUsedAt)
        try container.encodeIfPresent(revokedAt, forKey: .revokedAt)
        try container.encodeIfPresent(teamId, forKey: .teamId)
    }

    /// The database row, hash included.
    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["user_id"] = userId
        container["name"] = name
        container["hash"] = hash
        container["prefix"] = prefix
        container["created_at"] = createdAt
        container["last_used_at"] = lastUsedAt
        container["revoked_at"] = revokedAt
        container["team_id"] = teamId
    }
}

/// One movement of a balance. Append-only; `balanceAfter` is the balance once it was applied.
public struct LedgerEntry: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "ledger"
    public var id: Int64?
    public var userId: Int64
    public var kind: LedgerKind
    public var amount: Amount
    public var balanceAfter: Amount
    public var actor: String
    public var reason: String
    public var idempotencyKey: String
    public var requestId: String?
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One client request, successful or not, as metered by the gateway.
public struct UsageEvent: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "usage_events"
    public var id: Int64?
    public var requestId: String
    public var userId: Int64?
    public var apiKeyId: Int64?
    public var providerId: Int64?
    public var model: String
    public var tokensIn: Int64
    public var tokensOut: Int64
    public var tokensCached: Int64
    public var providerCost: Amount
    public var creditsCharged: Amount
    public var latencyMs: Double
    public var ttfbMs: Double?
    public var status: Int
    public var error: String?
    public var usageSource: UsageSource
    public var streamed: Bool
    public var createdAt: Date
    /// Credits the call cost beyond its hold (an upstream that ignored the output limit): recorded,
    /// never charged.
    public var overrun: Amount = .zero
    /// The credential of the last upstream attempt (nil: none, or not known), and of the failed
    /// attempt before it when the call failed over (the provider-health rollup counts both).
    public var credentialId: Int64? = nil
    public var failedCredentialId: Int64? = nil
    /// The team the calling key spent for, as it was at the time of the call.
    public var teamId: Int64? = nil
    /// The node that served the call (its run id, see ``NodeRecord``).
    public var nodeId: String? = nil

    public init(
        id: Int64? = nil, requestId: String, userId: Int64?, apiKeyId: Int64?, providerId: Int64?,
        model: String, tokensIn: Int64 = 0, tokensOut: Int64 = 0, tokensCached: Int64 = 0,
        providerCost: Amount = .zero, creditsCharged: Amount = .zero, latencyMs: Double = 0,
        ttfbMs: Double? = nil, status: Int, error: String? = nil, usageSource: UsageSource = .upstream,
        streamed: Bool = false, createdAt: Date = Date()
    ) {
        self.id = id; self.requestId = requestId; self.userId = userId; self.apiKeyId = apiKeyId
        self.providerId = providerId; self.model = model; self.tokensIn = tokensIn
        self.tokensOut = tokensOut; self.tokensCached = tokensCached; self.providerCost = providerCost
        self.creditsCharged = creditsCharged; self.latencyMs = latencyMs; self.ttfbMs = ttfbMs
        self.status = status; self.error = error; self.usageSource = usageSource
        self.streamed = streamed; self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension UsageEvent {
    /// Decodes a row column by column: live feeds read thousands of events a second, and this is
    /// several times cheaper than the `Decodable` path.
    public init(row: Row) throws {
        self.init(
            id: row["id"], requestId: row["request_id"], userId: row["user_id"], apiKeyId: row["api_key_id"],
            providerId: row["provider_id"], model: row["model"], tokensIn: row["tokens_in"],
            tokensOut: row["tokens_out"], tokensCached: row["tokens_cached"], providerCost: row["provider_cost"],
            creditsCharged: row["credits_charged"], latencyMs: row["latency_ms"], ttfbMs: row["ttfb_ms"],
            status: row["status"], error: row["error"], usageSource: row["usage_source"], streamed: row["streamed"],
            createdAt: row["created_at"])
        overrun = row["overrun"] ?? .zero
        credentialId = row["credential_id"]
        failedCredentialId = row["failed_credential_id"]
        teamId = row["team_id"]
    }
}

/// A named group of users whose spend is reported and budgeted together.
public struct Team: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "teams"
    public var id: Int64?
    public var name: String
    public var description: String?
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A user's membership of a team.
public struct TeamMember: HubRecord, Equatable {
    public static let databaseTableName = "team_members"
    public var teamId: Int64
    public var userId: Int64
    public var addedAt: Date
}

/// One admin change: who did what to which thing, with the state before and after (JSON).
public struct AuditEntry: HubRecord, Equatable, Identifiable {
    public static let databaseTableName = "audit_log"
    public var id: Int64?
    public var actor: String
    public var action: String
    public var target: String
    public var before: String?
    public var after: String?
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
