import AsyncHTTPClient
import Foundation
import NIOCore

/// A small HTTP client for tests: the gateway's in-process and end-to-end tests, and the cluster's
/// storms of concurrent requests to its nodes.
public enum TestHTTP {
    public struct Reply: Sendable {
        public var status: Int
        public var requestId: String?
        public var body: String
    }

    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public static func chatBody(model: String = "mock-model", maxTokens: Int = 10, stream: Bool = false) -> String {
        #"{"model":"\#(model)","max_tokens":\#(maxTokens),"stream":\#(stream),"messages":[{"role":"user","content":"say something short please"}]}"#
    }

    public static func post(_ url: String, key: String, body: String) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(60))
        let data = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), requestId: response.headers.first(name: "x-request-id"),
                     body: String(buffer: data))
    }

    public static func get(_ url: String) async throws -> String {
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 16 << 20))
    }
}
