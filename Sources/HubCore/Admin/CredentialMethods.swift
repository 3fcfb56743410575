import Foundation
import GRDB

/// A credential as shown anywhere outside the gateway: the secret only masked.
public struct CredentialInfo: Codable, Sendable, Equatable {
    public var id: Int64
    public var provider: String
    public var name: String
    public var secretMasked: String
    public var weight: Int
    public var enabled: Bool
    public var lastError: String?
    public var lastUsedAt: Date?
    public var createdAt: Date

    init(_ credential: StoredCredential, provider: String) {
        id = credential.id ?? 0
        self.provider = provider
        name = credential.name
        secretMasked = credential.secretHint
        weight = credential.weight
        enabled = credential.enabled
        lastError = credential.lastError
        lastUsedAt = credential.lastUsedAt
        createdAt = credential.createdAt
    }
}

extension Admin {
    /// `credentials.add`: seals the secret with the hub's key; only the masked form is ever returned.
    public struct CredentialsAdd: AdminMethod {
        public static let name = "credentials.add"
        public var provider: String
        public var name: String
        public var secret: String
        public var weight: Int?

        public init(provider: String, name: String, secret: String, weight: Int? = nil) {
            self.provider = provider; self.name = name; self.secret = secret; self.weight = weight
        }

        public func run(_ context: AdminContext) async throws -> CredentialInfo {
            let name = try Validate.name(self.name, of: "credential")
            let secret = secret.trimmingSpaces
            guard !secret.isEmpty else { throw HubError.invalid("the secret is empty") }
            let weight = weight ?? 100
            guard (0...10_000).contains(weight) else { throw HubError.invalid("weight must be between 0 and 10000") }
            let sealed = try context.sealer.seal(secret)
            return try await context.write { db in
                let owner = try Lookup.provider(db, provider)
                if try StoredCredential.fetchOne(db, sql: "SELECT * FROM credentials WHERE provider_id = ? AND name = ? LIMIT 1",
                                                 arguments: [owner.id, name]) != nil {
                    throw HubError(.alreadyExists, HubText(.credentialExists, owner.name, name))
                }
                var credential = StoredCredential(
                    id: nil, providerId: owner.id!, name: name, sealedSecret: sealed,
                    secretHint: SecretSealer.mask(secret), weight: weight, enabled: true, lastError: nil,
                    lastUsedAt: nil, createdAt: Date())
                try credential.insert(db)
                let info = CredentialInfo(credential, provider: owner.name)
                try context.audit(db, Self.name, target: "credential:\(owner.name)/\(name)",
                                  before: CredentialInfo?.none, after: info)
                return info
            }
        }
    }

    /// `credentials.update`: renames, re-weights or rotates the secret of a credential (the new
    /// secret is sealed; the audit log sees only its masked form).
    public struct CredentialsUpdate: AdminMethod {
        public static let name = "credentials.update"
        public var provider: String
        public var credential: String
        public var name: String?
        public var weight: Int?
        public var secret: String?

        public init(provider: String, credential: String, name: String? = nil, weight: Int? = nil, secret: String? = nil) {
            self.provider = provider; self.credential = credential; self.name = name; self.weight = weight
            self.secret = secret
        }

        public func run(_ context: AdminContext) async throws -> CredentialInfo {
            let newName = try name.map { text throws(HubError) in try Validate.name(text, of: "credential") }
            if let weight, !(0...10_000).contains(weight) { throw HubError.invalid("weight must be between 0 and 10000") }
            let newSecret = secret?.trimmingSpaces
            if newSecret?.isEmpty == true { throw HubError.invalid("the secret is empty") }
            let sealed = try newSecret.map { text throws(HubError) in try context.sealer.seal(text) }
            return try await context.write { db in
                let (owner, before) = try Lookup.credential(db, provider: provider, credential)
                var after = before
                if let newName { after.name = newName }
                if let weight { after.weight = weight }
                if let sealed, let newSecret {
                    after.sealedSecret = sealed
                    after.secretHint = SecretSealer.mask(newSecret)
                    after.lastError = nil
                }
                guard after != before else { return CredentialInfo(before, provider: owner.name) }
                try after.update(db)
                let info = CredentialInfo(after, provider: owner.name)
                try context.audit(db, Self.name, target: "credential:\(owner.name)/\(before.name)",
                                  before: CredentialInfo(before, provider: owner.name), after: info)
                return info
            }
        }
    }

    /// `credentials.list`: credentials of one provider, or of all, secrets masked.
    public struct CredentialsList: AdminMethod {
        public static let name = "credentials.list"
        public static let mutates = false
        public var provider: String?
        public init(provider: String? = nil) { self.provider = provider }

        public func run(_ context: AdminContext) async throws -> [CredentialInfo] {
            try await context.read { db in
                let providers = try provider.map { [try Lookup.provider(db, $0)] }
                    ?? Provider.fetchAll(db, sql: "SELECT * FROM providers ORDER BY \(db.binaryOrder("lower(name)"))")
                return try providers.flatMap { owner in
                    try StoredCredential.fetchAll(db, sql: "SELECT * FROM credentials WHERE provider_id = ? ORDER BY id",
                                                  arguments: [owner.id])
                        .map { CredentialInfo($0, provider: owner.name) }
                }
            }
        }
    }

    /// `credentials.enable`: back into rotation; clears the last error.
    public struct CredentialsEnable: AdminMethod {
        public static let name = "credentials.enable"
        public var provider: String
        public var credential: String
        public init(provider: String, credential: String) { self.provider = provider; self.credential = credential }
        public func run(_ context: AdminContext) async throws -> CredentialInfo {
            try await CredentialSwitch.set(enabled: true, provider, credential, context, action: Self.name)
        }
    }

    /// `credentials.disable`: out of rotation.
    public struct CredentialsDisable: AdminMethod {
        public static let name = "credentials.disable"
        public var provider: String
        public var credential: String
        public init(provider: String, credential: String) { self.provider = provider; self.credential = credential }
        public func run(_ context: AdminContext) async throws -> CredentialInfo {
            try await CredentialSwitch.set(enabled: false, provider, credential, context, action: Self.name)
        }
    }

    /// `credentials.remove`: deletes the credential and its sealed secret.
    public struct CredentialsRemove: AdminMethod {
        public static let name = "credentials.remove"
        public var provider: String
        public var credential: String
        public init(provider: String, credential: String) { self.provider = provider; self.credential = credential }

        public func run(_ context: AdminContext) async throws -> Done {
            try await context.write { db in
                let (owner, stored) = try Lookup.credential(db, provider: provider, credential)
                try stored.delete(db)
                try context.audit(db, Self.name, target: "credential:\(owner.name)/\(stored.name)",
                                  before: CredentialInfo(stored, provider: owner.name), after: CredentialInfo?.none)
                return Done()
            }
        }
    }
}

private enum CredentialSwitch {
    static func set(enabled: Bool, _ provider: String, _ reference: String, _ context: AdminContext,
                    action: String) async throws -> CredentialInfo {
        try await context.write { db in
            let (owner, before) = try Lookup.credential(db, provider: provider, reference)
            var after = before
            after.enabled = enabled
            if enabled { after.lastError = nil }
            guard after != before else { return CredentialInfo(before, provider: owner.name) }
            try db.execute(sql: "UPDATE credentials SET enabled = ?, last_error = ? WHERE id = ?",
                           arguments: [after.enabled, after.lastError, after.id])
            guard db.changesCount > 0 else { throw HubError.notFound("credentials row not found") }
            let info = CredentialInfo(after, provider: owner.name)
            try context.audit(db, action, target: "credential:\(owner.name)/\(before.name)",
                              before: CredentialInfo(before, provider: owner.name), after: info)
            return info
        }
    }
}
