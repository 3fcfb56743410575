import Foundation
import HubCore
import HubTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
@testable import HubGateway

/// A service-provider hub whose provider `mock` has the base URL `baseURL` (never dialled: the
/// upstream is in memory), one credential per secret in `credentials`, a priced `mock-model` and a
/// user with credits; runs `body` against it (HummingbirdTesting, a live server on a free port).
func withInProcessHub<Upstream: UpstreamTransport>(
    baseURL: String = "http://127.0.0.1:9/v1", credentials: [String] = ["sk-x"], upstream: Upstream,
    _ body: @Sendable (_ client: any TestClientProtocol, _ key: String, _ upstream: Upstream) async throws -> Void
) async throws {
    let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("inproc-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dataDir) }
    try runHub(["init", "--data-dir", dataDir, "--mode", "service-provider"])
    func admin(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        try HubFixture.admin(dataDir, arguments, environment: environment)
    }
    _ = try admin(["providers", "add", "mock", "--kind", "openai-compatible", "--base-url", baseURL])
    for (index, secret) in credentials.enumerated() {
        _ = try admin(["credentials", "add", "mock", "--name", "c\(index)", "--secret-env", "CRED"], environment: ["CRED": secret])
    }
    _ = try admin(["rates", "set", "mock/mock-model", "--input", "1", "--output", "2", "--per", "1K"])
    _ = try admin(["users", "add", "payer"])
    _ = try admin(["users", "grant", "payer", "100", "--reason", "test"])
    let created = try admin(["keys", "create", "payer", "--name", "k", "--json"])
    let key = try #require((try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any])?["secret"] as? String)
    var options = GatewayOptions()
    options.port = 0
    let gateway = try await Gateway(directory: DataDirectory(path: dataDir), options: options,
                                    logger: Logger(label: "in-process"), transport: upstream)
    let app = gateway.apiApplication(services: [gateway.writer]) { _ in }
    try await app.test(.live) { client in try await body(client, key, upstream) }
}


/// Posts a chat body with `key`; the status and the error's `param`, if any.
func postChat(_ client: any TestClientProtocol, _ key: String, _ body: String) async throws -> (status: Int, param: String?) {
    let response = try await client.execute(
        uri: "/v1/chat/completions", method: .post,
        headers: [.authorization: "Bearer \(key)", .contentType: "application/json"], body: ByteBuffer(string: body))
    let error = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])?["error"]
    return (Int(response.status.code), (error as? [String: Any])?["param"] as? String)
}

extension HubFixture {
    /// Waits until the hub knows `key` (its config watcher picks up new keys): a body without a model
    /// is refused with 400 by a hub that knows the key, 401 by one that does not. The deadline is long
    /// and counted in tries too: in a full parallel run on two busy cores one answer can take seconds.
    func waitUntilKnown(_ key: String) async throws {
        let deadline = Date().addingTimeInterval(90)
        var tries = 0
        while Date() < deadline || tries < 40 {
            tries += 1
            if try await TestHTTP.post(baseURL + "/chat/completions", key: key, body: "{}").status != 401 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("the hub did not pick up a new key within 90 s (\(tries) tries)")
    }
}
