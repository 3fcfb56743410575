import Foundation
import GRDB

extension Admin {
    /// `keys.scope`: limits what a key may do: models (globs such as `openai/gpt-4o*`), an expiry,
    /// client address ranges (CIDR). Fields left out stay; `clear` lifts `models`, `expiry` or `cidrs`.
    public struct KeysScope: AdminMethod {
        public static let name = "keys.scope"
        public var key: String
        public var models: [String]?
        public var expiresAt: Date?
        public var cidrs: [String]?
        public var clear: [String]?

        public init(key: String, models: [String]? = nil, expiresAt: Date? = nil, cidrs: [String]? = nil, clear: [String]? = nil) {
            self.key = key; self.models = models; self.expiresAt = expiresAt; self.cidrs = cidrs; self.clear = clear
        }

        public func run(_ context: AdminContext) async throws -> KeyScope {
            let clear = Set(clear ?? [])
            if let unknown = clear.subtracting(["models", "expiry", "cidrs"]).sorted().first {
                throw HubError.invalid("cannot clear '\(unknown)': use models, expiry or cidrs")
            }
            for (field, given) in [("models", models != nil), ("expiry", expiresAt != nil), ("cidrs", cidrs != nil)]
            where given && clear.contains(field) {
                throw HubError.invalid("\(field) is both set and cleared")
            }
            let models = try models.map { list throws(HubError) in try KeyScopeDraft.models(list) }
            let cidrs = try cidrs.map { list throws(HubError) in try KeyScopeDraft.cidrs(list) }
            if let expiresAt, expiresAt <= Date() {
                throw HubError.invalid("the expiry \(expiresAt.formatted(.iso8601)) is in the past (to stop a key now, revoke it)")
            }
            return try await context.write { db in
                let key = try Lookup.key(db, self.key)
                let before = try KeyScopeDraft.find(db, keyId: key.id!)
                var after = before ?? KeyScope(keyId: key.id!)
                if let models { after.models = models }
                if let cidrs { after.cidrs = cidrs }
                if let expiresAt { after.expiresAt = expiresAt }
                if clear.contains("models") { after.models = [] }
                if clear.contains("cidrs") { after.cidrs = [] }
                if clear.contains("expiry") { after.expiresAt = nil }
                guard after != before else { return after }
                if after.isEmpty {
                    if before != nil { try KeyScopeDraft.delete(db, keyId: key.id!) }
                } else {
                    try KeyScopeDraft.save(db, after)
                }
                try context.audit(db, Self.name, target: "key:\(key.prefix)", before: before, after: after)
                return after
            }
        }
    }

    /// `keys.scopes`: what a key may do (empty lists and no expiry: unrestricted).
    public struct KeysScopes: AdminMethod {
        public static let name = "keys.scopes"
        public static let mutates = false
        public var key: String
        public init(key: String) { self.key = key }

        public func run(_ context: AdminContext) async throws -> KeyScope {
            try await context.read { db in
                let key = try Lookup.key(db, self.key)
                return try KeyScopeDraft.find(db, keyId: key.id!) ?? KeyScope(keyId: key.id!)
            }
        }
    }
}

enum KeyScopeDraft {
    // `key_scopes` is keyed by `key_id`, not `id`: its rows are found, written and deleted by SQL here,
    // not by the record operations of `StoreDB` (which key rows by `id`).

    /// The scope row of a key, if it has one.
    static func find(_ db: StoreDB, keyId: Int64) throws -> KeyScope? {
        try KeyScope.fetchOne(db, sql: "SELECT * FROM key_scopes WHERE key_id = ?", arguments: [keyId])
    }

    /// Writes `scope` to its key's row, inserting the row when the key has none.
    static func save(_ db: StoreDB, _ scope: KeyScope) throws {
        let columns = try scope.databaseDictionary
        try db.execute(sql: "UPDATE key_scopes SET models = ?, expires_at = ?, cidrs = ? WHERE key_id = ?",
                       arguments: [columns["models"], columns["expires_at"], columns["cidrs"], scope.keyId])
        if db.changesCount == 0 {
            var inserted = scope
            try inserted.insert(db)
        }
    }

    /// Deletes the scope row of a key.
    static func delete(_ db: StoreDB, keyId: Int64) throws {
        try db.execute(sql: "DELETE FROM key_scopes WHERE key_id = ?", arguments: [keyId])
    }

    static func models(_ list: [String]) throws(HubError) -> [String] {
        try validated(list, "model patterns", clear: "models") { raw throws(HubError) in try ModelGlob(raw).pattern }
    }

    static func cidrs(_ list: [String]) throws(HubError) -> [String] {
        try validated(list, "address ranges", clear: "cidrs") { raw throws(HubError) in try AddressRange(raw).description }
    }

    /// 1-100 entries, each in its normal form.
    private static func validated(_ list: [String], _ what: String, clear: String,
                                  _ normal: (String) throws(HubError) -> String) throws(HubError) -> [String] {
        guard !list.isEmpty else { throw HubError.invalid("give at least one of the \(what) (to lift the limit, clear \(clear))") }
        guard list.count <= 100 else { throw HubError.invalid("at most 100 \(what), got \(list.count)") }
        var normalised: [String] = []
        for raw in list { normalised.append(try normal(raw)) }
        return normalised
    }
}
