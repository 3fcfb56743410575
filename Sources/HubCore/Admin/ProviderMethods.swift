import Foundation
import GRDB

/// A provider with its credential counts, for lists.
public struct ProviderInfo: Codable, Sendable, Equatable, FetchableRecord {
    public var provider: Provider
    public var credentials: Int
    public var enabledCredentials: Int

    public init(row: Row) throws {
        provider = try Provider(row: row)
        credentials = row["credentials"]
        enabledCredentials = row["enabled_credentials"]
    }
}

extension Admin {
    /// `providers.add`: a new upstream. Any number of providers may share a kind.
    public struct ProvidersAdd: AdminMethod {
        public static let name = "providers.add"
        public var name: String
        public var kind: ProviderKind
        public var baseUrl: String
        public var displayName: String?
        public var enabled: Bool?

        public init(name: String, kind: ProviderKind, baseUrl: String, displayName: String? = nil, enabled: Bool? = nil) {
            self.name = name; self.kind = kind; self.baseUrl = baseUrl; self.displayName = displayName
            self.enabled = enabled
        }

        public func run(_ context: AdminContext) async throws -> Provider {
            let name = try Validate.name(self.name, of: "provider")
            guard !name.contains("/") else { throw HubError.invalid("provider name '\(name)' must not contain '/'") }
            let url = try Validate.url(baseUrl)
            let display = try displayName.map { text throws(HubError) in try Validate.name(text, of: "display") } ?? name
            return try await context.write { db in
                if try Provider.fetchOne(db, sql: "SELECT * FROM providers WHERE lower(name) = lower(?)", arguments: [name]) != nil {
                    throw HubError(.alreadyExists, HubText(.providerExists, name))
                }
                var provider = Provider(id: nil, name: name, kind: kind, displayName: display, baseURL: url,
                                        enabled: enabled ?? true, createdAt: Date())
                try provider.insert(db)
                try context.audit(db, Self.name, target: "provider:\(name)", before: Provider?.none, after: provider)
                return provider
            }
        }
    }

    /// `providers.list`: every provider with its credential counts.
    public struct ProvidersList: AdminMethod {
        public static let name = "providers.list"
        public static let mutates = false
        public init() {}

        public func run(_ context: AdminContext) async throws -> [ProviderInfo] {
            try await context.read { db in
                try ProviderInfo.fetchAll(db, sql: """
                    SELECT p.*, COUNT(c.id) AS credentials,
                           COALESCE(SUM(CASE WHEN c.enabled THEN 1 ELSE 0 END), 0) AS enabled_credentials
                    FROM providers p LEFT JOIN credentials c ON c.provider_id = p.id
                    GROUP BY p.id ORDER BY \(db.binaryOrder("lower(p.name)"))
                    """)
            }
        }
    }

    /// `providers.update`: changes the fields given.
    public struct ProvidersUpdate: AdminMethod {
        public static let name = "providers.update"
        public var provider: String
        public var name: String?
        public var kind: ProviderKind?
        public var baseUrl: String?
        public var displayName: String?

        public init(provider: String, name: String? = nil, kind: ProviderKind? = nil, baseUrl: String? = nil,
                    displayName: String? = nil) {
            self.provider = provider; self.name = name; self.kind = kind; self.baseUrl = baseUrl
            self.displayName = displayName
        }

        public func run(_ context: AdminContext) async throws -> Provider {
            let newName = try name.map { text throws(HubError) in try Validate.name(text, of: "provider") }
            if let newName, newName.contains("/") { throw HubError.invalid("provider name '\(newName)' must not contain '/'") }
            let url = try baseUrl.map { text throws(HubError) in try Validate.url(text) }
            let display = try displayName.map { text throws(HubError) in try Validate.name(text, of: "display") }
            return try await context.write { db in
                let before = try Lookup.provider(db, provider)
                var after = before
                if let newName { after.name = newName }
                if let kind { after.kind = kind }
                if let url { after.baseURL = url }
                if let display { after.displayName = display }
                guard after != before else { return before }
                try after.update(db)
                try context.audit(db, Self.name, target: "provider:\(before.name)", before: before, after: after)
                return after
            }
        }
    }

    /// `providers.enable`: routes to this provider again.
    public struct ProvidersEnable: AdminMethod {
        public static let name = "providers.enable"
        public var provider: String
        public init(provider: String) { self.provider = provider }
        public func run(_ context: AdminContext) async throws -> Provider {
            try await ProviderSwitch.set(enabled: true, provider, context, action: Self.name)
        }
    }

    /// `providers.disable`: stops routing to this provider; its credentials and rates are kept.
    public struct ProvidersDisable: AdminMethod {
        public static let name = "providers.disable"
        public var provider: String
        public init(provider: String) { self.provider = provider }
        public func run(_ context: AdminContext) async throws -> Provider {
            try await ProviderSwitch.set(enabled: false, provider, context, action: Self.name)
        }
    }

    /// `providers.remove`: deletes a provider with its credentials and rates. Usage history stays.
    public struct ProvidersRemove: AdminMethod {
        public static let name = "providers.remove"
        public var provider: String
        public init(provider: String) { self.provider = provider }

        public func run(_ context: AdminContext) async throws -> Done {
            try await context.write { db in
                let before = try Lookup.provider(db, provider)
                try before.delete(db)
                try context.audit(db, Self.name, target: "provider:\(before.name)", before: before, after: Provider?.none)
                return Done()
            }
        }
    }
}

private enum ProviderSwitch {
    static func set(enabled: Bool, _ reference: String, _ context: AdminContext, action: String) async throws -> Provider {
        try await context.write { db in
            let before = try Lookup.provider(db, reference)
            guard before.enabled != enabled else { return before }
            var after = before
            after.enabled = enabled
            try db.execute(sql: "UPDATE providers SET enabled = ? WHERE id = ?", arguments: [enabled, before.id])
            try context.audit(db, action, target: "provider:\(before.name)", before: before, after: after)
            return after
        }
    }
}
