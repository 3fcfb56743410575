import Foundation
import GRDB

/// Everything the gateway's usage writer commits in one transaction (group commit): the holds of
/// requests about to go upstream, the settlements of finished ones, the audit entries they call for,
/// and when keys and credentials were last used.
public struct UsageBatch: Sendable {
    public var holds: [HoldRecord] = []
    public var records: [UsageRecord] = []
    public var overruns: [OverrunNotice] = []
    public var lastUse = LastUse()

    public init(holds: [HoldRecord] = [], records: [UsageRecord] = [], overruns: [OverrunNotice] = [],
                lastUse: LastUse = LastUse()) {
        self.holds = holds; self.records = records; self.overruns = overruns; self.lastUse = lastUse
    }
}

/// An upstream that produced more than the output limit it was sent: written to the audit log as
/// `usage.overrun` by the gateway (the gateway decides how often: once per credential per hour).
public struct OverrunNotice: Sendable, Encodable, Equatable {
    public var requestId: String
    public var model: String
    public var providerId: Int64?
    public var credentialId: Int64?
    public var hold: Amount
    public var cost: Amount
    public var overrun: Amount
    public var tokensOut: Int64

    public init(requestId: String, model: String, providerId: Int64?, credentialId: Int64?, hold: Amount, cost: Amount,
                overrun: Amount, tokensOut: Int64) {
        self.requestId = requestId; self.model = model; self.providerId = providerId; self.credentialId = credentialId
        self.hold = hold; self.cost = cost; self.overrun = overrun; self.tokensOut = tokensOut
    }

    func insert(_ db: StoreDB) throws {
        var entry = AuditEntry(
            id: nil, actor: UsageSettlement.actor, action: "usage.overrun",
            target: credentialId.map { "credential:\($0)" } ?? "provider:\(providerId ?? 0)",
            before: nil, after: HubJSON.text(self), createdAt: Date())
        try entry.insert(db)
    }
}

/// A request's maximum cost, held durably before its upstream call (a row of `holds`).
public struct HoldRecord: Sendable, Equatable {
    public var requestId: String
    public var userId: Int64
    public var apiKeyId: Int64?
    public var model: String
    public var amount: Amount
    /// The hub process that wrote it (``HoldRecovery`` settles those of other runs).
    public var runId: String
    public var createdAt: Date

    public init(requestId: String, userId: Int64, apiKeyId: Int64?, model: String, amount: Amount, runId: String,
                createdAt: Date = Date()) {
        self.requestId = requestId; self.userId = userId; self.apiKeyId = apiKeyId; self.model = model
        self.amount = amount; self.runId = runId; self.createdAt = createdAt
    }
}

/// When API keys and credentials were last used, and the last error of each credential, gathered
/// over a batch: one UPDATE per table per batch, not a write per request.
public struct LastUse: Sendable, Equatable {
    public var at = Date()
    public var keys: Set<Int64> = []
    public var credentials: Set<Int64> = []
    /// The newest error of each credential in the batch.
    public var credentialErrors: [Int64: String] = [:]

    public init() {}

    public var isEmpty: Bool { keys.isEmpty && credentials.isEmpty && credentialErrors.isEmpty }

    static func write(_ use: LastUse, _ db: StoreDB) throws {
        if !use.keys.isEmpty {
            try db.executeQueued(sql: "UPDATE api_keys SET last_used_at = ? WHERE id IN (\(SQLList.of(use.keys.count)))",
                           arguments: [use.at] + StoreArguments(use.keys))
        }
        if !use.credentials.isEmpty {
            try db.executeQueued(sql: "UPDATE credentials SET last_used_at = ? WHERE id IN (\(SQLList.of(use.credentials.count)))",
                           arguments: [use.at] + StoreArguments(use.credentials))
        }
        for (id, error) in use.credentialErrors {
            try db.executeQueued(sql: "UPDATE credentials SET last_error = ? WHERE id = ?",
                           arguments: [String(error.prefix(500)), id])
        }
    }
}
