import AsyncHTTPClient
import Foundation
import HubTestSupport
import NIOCore

/// A reply with its headers and its OpenAI error code, for the governance tests.
struct GovernedReply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: String

    var code: String? {
        let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return (json?["error"] as? [String: Any])?["code"] as? String
    }

    var message: String {
        let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return (json?["error"] as? [String: Any])?["message"] as? String ?? body
    }

    static func post(_ url: String, key: String, body: String = TestHTTP.chatBody()) async throws -> GovernedReply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await TestHTTP.client.execute(request, timeout: .seconds(60))
        let data = try await response.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return GovernedReply(status: Int(response.status.code), headers: headers, body: String(buffer: data))
    }

    /// `count` posts at once.
    static func concurrent(_ count: Int, _ url: String, key: String, body: String = TestHTTP.chatBody()) async throws -> [GovernedReply] {
        try await withThrowingTaskGroup(of: GovernedReply.self) { group in
            for _ in 0..<count { group.addTask { try await post(url, key: key, body: body) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}

extension HubFixture {
    /// Waits until the running hub has taken the admin change that wrote the newest audit entry
    /// (its governance state included): the hub logs it at level info.
    func waitForGovernanceReload() async throws {
        let auditId = try await database().read { try Int64.fetchOne($0, sql: "SELECT MAX(id) FROM audit_log") } ?? 0
        let reloaded = try await eventually(20) {
            hub.log.split(separator: "\n").contains { $0.contains("governance reloaded") && $0.contains("audit_id=\(auditId)") }
        }
        if !reloaded { throw TestFailure("the hub did not reload audit entry \(auditId):\n\(hub.log)") }
    }
}
