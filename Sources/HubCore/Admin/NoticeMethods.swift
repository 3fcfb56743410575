import Foundation
import GRDB

extension Admin {
    /// `notice_endpoints.add`: a URL that receives the hub's notices, signed with `secret`
    /// (`X-Signature: sha256=HMAC(body)`, as the generic payment webhook).
    public struct NoticeEndpointsAdd: AdminMethod {
        public static let name = "notice_endpoints.add"
        public var url: String
        public var secret: String
        public init(url: String, secret: String) { self.url = url; self.secret = secret }

        public func run(_ context: AdminContext) async throws -> NoticeEndpointInfo {
            let url = try Validate.url(url)
            let secret = secret.trimmingSpaces
            guard secret.count >= 16 else { throw HubError.invalid("a signing secret has at least 16 characters") }
            let sealed = try context.sealer.seal(secret)
            return try await context.write { db in
                var stored = StoredNoticeEndpoint(id: nil, url: url, sealedSecret: sealed, secretHint: SecretSealer.mask(secret),
                                                  enabled: true, createdAt: Date())
                try stored.insert(db)
                let info = NoticeEndpointInfo(stored)
                try context.audit(db, Self.name, target: "notice_endpoint:\(url)", before: NoticeEndpointInfo?.none, after: info)
                return info
            }
        }
    }

    /// `notice_endpoints.list`: secrets masked.
    public struct NoticeEndpointsList: AdminMethod {
        public static let name = "notice_endpoints.list"
        public static let mutates = false
        public init() {}
        public func run(_ context: AdminContext) async throws -> [NoticeEndpointInfo] {
            try await context.read { db in
                try StoredNoticeEndpoint.fetchAll(db, sql: "SELECT * FROM notice_endpoints ORDER BY id").map(NoticeEndpointInfo.init)
            }
        }
    }

    /// `notice_endpoints.remove`: its undelivered notices go with it.
    public struct NoticeEndpointsRemove: AdminMethod {
        public static let name = "notice_endpoints.remove"
        public var id: Int64
        public init(id: Int64) { self.id = id }
        public func run(_ context: AdminContext) async throws -> Done {
            try await context.write { db in
                guard let stored = try StoredNoticeEndpoint.fetchOne(db, key: id) else {
                    throw HubError.notFound("unknown notice endpoint #\(id)")
                }
                try stored.delete(db)
                try context.audit(db, Self.name, target: "notice_endpoint:\(stored.url)", before: NoticeEndpointInfo(stored),
                                  after: NoticeEndpointInfo?.none)
                return Done()
            }
        }
    }

    /// `notices.list`: notices and their delivery, newest first; `pending` for those not delivered yet.
    public struct NoticesList: AdminMethod {
        public static let name = "notices.list"
        public static let mutates = false
        public var pending: Bool?
        public var limit: Int?
        public init(pending: Bool? = nil, limit: Int? = nil) { self.pending = pending; self.limit = limit }

        public func run(_ context: AdminContext) async throws -> [OutboxEntry] {
            let limit = try Validate.limit(limit, default: 100, max: 100_000)
            return try await context.read { db in
                let condition = pending == true ? " WHERE delivered_at IS NULL" : ""
                return try OutboxEntry.fetchAll(db, sql: "SELECT * FROM outbox\(condition) ORDER BY id DESC LIMIT ?",
                                                arguments: [limit])
            }
        }
    }
}
