import Foundation
import GRDB

/// Once-only admin changes. A change that carries an idempotency key (the console makes one,
/// `console:<uuid>`, when its confirmation opens) claims the key in the transaction that makes the
/// change: a second send with the same key, say after an answer lost on the way, answers
/// `duplicate` and changes nothing. Ledger moves keep their key on the ledger entry instead.
struct AdminRequestKey: HubRecord {
    static let databaseTableName = "admin_request_keys"
    /// The table's primary key is the request key itself (there is no `id` column).
    static var storeKeyColumn: String { "key" }
    var key: String
    var action: String
    var actor: String
    var createdAt: Date
}

extension AdminContext {
    /// Records `key` for `action`; throws `duplicate` if it was used before. Without a key: nothing.
    func claim(_ key: String?, for action: String, _ db: StoreDB) throws {
        guard let key else { return }
        let checked = try Validate.idempotencyKey(key)
        // Its primary key is `key`, not `id`: found by SQL, not by `fetchOne(db, key:)`.
        if let earlier = try AdminRequestKey.fetchOne(db, sql: "SELECT * FROM admin_request_keys WHERE key = ?", arguments: [checked]) {
            throw HubError(.duplicate, "idempotency key '\(checked)' was already used by \(earlier.action): not applied again")
        }
        var record = AdminRequestKey(key: checked, action: action, actor: actor, createdAt: Date())
        try record.insert(db)
    }
}

extension Validate {
    /// An idempotency key: 1-200 printable characters.
    static func idempotencyKey(_ raw: String) throws(HubError) -> String {
        let key = raw.trimmingSpaces
        guard !key.isEmpty, key.count <= 200 else { throw HubError.invalid("an idempotency key has 1 to 200 characters") }
        try plainText(key, "the idempotency key")
        return key
    }
}
