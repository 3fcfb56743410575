import Foundation
import GRDB

/// What the gateway writes about a credential an upstream refused (401/403): it is taken out of
/// rotation with the error recorded, audited as the gateway, exactly like an admin would.
public enum CredentialHealth {
    public static let actor = "gateway"

    /// Disables credential `id` and records `error`; a no-op if it is already disabled.
    public static func disable(_ store: HubStore, credentialId id: Int64, error: String) async throws(HubError) {
        try await store.write { db in
            guard let before = try StoredCredential.fetchOne(db, key: id), before.enabled else { return }
            let provider = try Provider.fetchOne(db, key: before.providerId)?.name ?? "?"
            var after = before
            after.enabled = false
            after.lastError = String(error.prefix(500))
            try db.execute(sql: "UPDATE credentials SET enabled = ?, last_error = ? WHERE id = ?",
                           arguments: [after.enabled, after.lastError, id])
            var entry = AuditEntry(
                id: nil, actor: actor, action: "credentials.disable", target: "credential:\(provider)/\(before.name)",
                before: HubJSON.text(CredentialInfo(before, provider: provider)),
                after: HubJSON.text(CredentialInfo(after, provider: provider)), createdAt: Date())
            try entry.insert(db)
        }
    }
}
