import Foundation
import HubCore

/// A fresh service-provider database with one user, `payer`, granted one credit.
func payerStore(_ name: String) async throws -> (store: HubStore, userId: Int64) {
    let directory = DataDirectory(path: FileManager.default.temporaryDirectory
        .appendingPathComponent("\(name)-\(UUID().uuidString)").path)
    let (store, sealer) = try HubStore.initialize(directory, mode: .serviceProvider, environment: [:])
    let admin = AdminService(store: store, sealer: sealer)
    let user = try await admin.perform(Admin.UsersAdd(name: "payer"), actor: "test")
    _ = try await admin.perform(Admin.UsersGrant(user: "payer", amount: Amount(units: 1), reason: "test"), actor: "test")
    return (store, user.id!)
}
