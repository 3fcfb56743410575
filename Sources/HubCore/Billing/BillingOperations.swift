import Foundation
import GRDB

// The billing steps a running hub takes, each in its own transaction on the hub's store, without
// blocking the calling thread (the functions beside them that take a `StoreDB` are the same steps
// inside a caller's transaction).

extension Subscriptions {
    /// Renews, marks past due and expires what is due now (see ``advance(_:now:)``).
    public static func advance(_ store: HubStore) async throws(HubError) -> [SubscriptionChange] {
        try await store.write { db in try advance(db) }
    }
}

extension Outbox {
    /// Claims the notices due now (see ``due(_:now:lease:limit:)``).
    public static func due(_ store: HubStore) async throws(HubError) -> [Delivery] {
        try await store.write { db in try due(db) }
    }

    /// Records the outcome of one delivery: delivered when `error` is nil, else failed (retried later).
    public static func record(_ id: Int64, status: Int?, error: String?, _ store: HubStore) async throws(HubError) {
        try await store.write { db in
            if let error {
                try failed(id, status: status, error: error, db)
            } else {
                try delivered(id, status: status ?? 200, db)
            }
        }
    }
}

extension AccountSummary {
    /// The balance and recent charges of `userId` (see ``of(userId:_:charges:)``).
    public static func of(userId: Int64, _ store: HubStore) async throws(HubError) -> AccountSummary {
        try await store.read { db in try of(userId: userId, db) }
    }
}

extension RedemptionCodes {
    /// Redeems `code` for `userId` (see ``redeem(_:userId:actor:_:now:)``).
    public static func redeem(_ code: String, userId: Int64, actor: String, _ store: HubStore) async throws(HubError) -> Redemption {
        try await store.write { db in try redeem(code, userId: userId, actor: actor, db) }
    }
}
