import Foundation
import GRDB

/// Every admin operation of the hub, run in-process against its database.
///
/// Each operation is an ``AdminMethod`` value (its parameters) whose `run` validates, applies the
/// change in one transaction and writes the audit entry in that same transaction: so either all
/// of it happens, or none of it. The admin socket and ``HubConnection`` speak the same values.
public struct AdminService: Sendable {
    public let store: HubStore
    public let sealer: SecretSealer

    public init(store: HubStore, sealer: SecretSealer) {
        self.store = store
        self.sealer = sealer
    }

    /// Opens the hub in `directory`, checking that the secret key matches its database.
    public static func open(_ directory: DataDirectory) async throws(HubError) -> AdminService {
        let store = try HubStore.open(directory)
        let sealer = try SecretSealer.load(for: directory)
        try await store.verify(sealer)
        return AdminService(store: store, sealer: sealer)
    }

    /// Runs one admin operation on behalf of `actor` (recorded in the audit log and the ledger).
    public func perform<M: AdminMethod>(_ method: M, actor: String) async throws(HubError) -> M.Result {
        do {
            return try await method.run(AdminContext(service: self, actor: actor))
        } catch {
            throw HubError(from: error)
        }
    }
}

/// What an operation runs with: the store, the sealer and who asked.
public struct AdminContext: Sendable {
    public let service: AdminService
    public let actor: String

    var store: HubStore { service.store }
    var sealer: SecretSealer { service.sealer }

    func write<T: Sendable>(_ body: @escaping @Sendable (StoreDB) throws -> T) async throws(HubError) -> T {
        try await store.write(body)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (StoreDB) throws -> T) async throws(HubError) -> T {
        try await store.read(body)
    }

    /// Appends an audit entry; call inside the transaction that made the change.
    func audit(
        _ db: StoreDB, _ action: String, target: String, before: (any Encodable)?, after: (any Encodable)?
    ) throws {
        var entry = AuditEntry(
            id: nil, actor: actor, action: action, target: target,
            before: before.map { HubJSON.text($0) }, after: after.map { HubJSON.text($0) }, createdAt: Date())
        try entry.insert(db)
    }
}

/// Who is acting, for the audit log: the OS user and the surface they came through.
public enum AdminActor {
    /// `"alice (uid 1000) via cli"`.
    public static func osUser(uid: uid_t = getuid(), via surface: String) -> String {
        "\(userName(uid: uid)) (uid \(uid)) via \(surface)"
    }

    /// The login name of `uid` (`getpwuid_r`: safe from any thread), or `uid<N>` when it has none.
    public static func userName(uid: uid_t) -> String {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4_096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else {
            return "uid\(uid)"
        }
        return String(cString: name)
    }
}

// MARK: - Look-ups shared by the operations

enum Lookup {
    /// A user named by id (all digits) or by name (case-insensitive).
    static func user(_ db: StoreDB, _ reference: String) throws -> User {
        try byIdOrName(db, reference, "user")
    }

    /// A provider named by id or by name (case-insensitive).
    static func provider(_ db: StoreDB, _ reference: String) throws -> Provider {
        try byIdOrName(db, reference, "provider")
    }

    /// Names are matched as the NOCASE `name` columns of users, providers and teams compare them.
    static func byIdOrName<R: HubRecord>(
        _ db: StoreDB, _ reference: String, _ what: String
    ) throws -> R {
        let reference = reference.trimmingSpaces
        let found = if let id = Int64(reference) {
            try R.fetchOne(db, key: id)
        } else {
            try R.fetchOne(db, sql: "SELECT * FROM \(R.databaseTableName) WHERE lower(name) = lower(?) LIMIT 1",
                           arguments: [reference])
        }
        guard let found else { throw HubError.notFound("unknown \(what) '\(reference)'") }
        return found
    }

    /// A credential of a provider, named by id or by name (as stored: credential names are case-sensitive).
    static func credential(_ db: StoreDB, provider: String, _ reference: String) throws -> (Provider, StoredCredential) {
        let owner = try self.provider(db, provider)
        let found = if let id = Int64(reference) {
            try StoredCredential.fetchOne(
                db, sql: "SELECT * FROM credentials WHERE provider_id = ? AND id = ? LIMIT 1", arguments: [owner.id, id])
        } else {
            try StoredCredential.fetchOne(
                db, sql: "SELECT * FROM credentials WHERE provider_id = ? AND name = ? LIMIT 1", arguments: [owner.id, reference])
        }
        guard let found else {
            throw HubError.notFound("provider '\(owner.name)' has no credential '\(reference)'")
        }
        return (owner, found)
    }
}

/// LIKE patterns that match user text literally (its `%` and `_` are escaped).
enum Pattern {
    static let escape = "\\"

    static func containing(_ text: String) -> String { "%" + literal(text) + "%" }
    static func startingWith(_ text: String) -> String { literal(text) + "%" }

    private static func literal(_ text: String) -> String {
        text.replacingOccurrences(of: escape, with: escape + escape)
            .replacingOccurrences(of: "%", with: escape + "%")
            .replacingOccurrences(of: "_", with: escape + "_")
    }
}

// MARK: - Validation shared by the operations

enum Validate {
    /// A display-safe name: 1-64 characters, no control characters, not all digits (digits name ids).
    static func name(_ raw: String, of what: String) throws(HubError) -> String {
        let name = raw.trimmingSpaces
        guard !name.isEmpty else { throw HubError.invalid("\(what) name must not be empty") }
        guard name.count <= 64 else { throw HubError.invalid("\(what) name is longer than 64 characters") }
        try plainText(name, "the \(what) name")
        guard Int64(name) == nil else {
            throw HubError.invalid("\(what) name '\(name)' is all digits: digits are read as an id")
        }
        return name
    }

    static func reason(_ raw: String) throws(HubError) -> String {
        let reason = raw.trimmingSpaces
        guard !reason.isEmpty else { throw HubError.invalid("a reason is required") }
        try plainText(reason, "the reason")
        guard reason.count <= 500 else { throw HubError.invalid("the reason is longer than 500 characters") }
        return reason
    }

    static func positive(_ amount: Amount, _ what: String) throws(HubError) -> Amount {
        guard amount.isPositive else { throw HubError.invalid("\(what) must be greater than zero, got \(amount)") }
        return amount
    }

    static func nonNegative(_ amount: Amount, _ what: String) throws(HubError) -> Amount {
        guard !amount.isNegative else { throw HubError.invalid("\(what) must not be negative, got \(amount)") }
        return amount
    }

    static func url(_ raw: String) throws(HubError) -> String {
        let text = raw.trimmingSpaces
        try plainText(text, "the URL")
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host?.isEmpty == false else {
            throw HubError.invalid("'\(raw)' is not an http(s) URL")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    static func limit(_ value: Int?, default fallback: Int = 50, max maximum: Int = 10_000) throws(HubError) -> Int {
        let limit = value ?? fallback
        guard (1...maximum).contains(limit) else { throw HubError.invalid("limit must be between 1 and \(maximum)") }
        return limit
    }
}
