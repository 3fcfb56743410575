import Foundation
import GRDB
@testable import HubCore
import HubTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
@testable import HubGateway

/// 10,000 malformed or hostile requests against an in-process hub (HummingbirdTesting, a live
/// server on a free port, an in-memory upstream): the hub serves a valid request between every
/// batch, none of the hostile ones reaches the upstream, and nobody is charged for them.
@Suite struct HTTPFuzzTests {
    @Test func hostileRequestsChargeNothingAndTheHubKeepsServing() async throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        let setup = try FuzzHub()
        let upstream = InMemoryUpstream()
        var options = GatewayOptions()
        options.port = 0
        let gateway = try await Gateway(directory: DataDirectory(path: setup.dataDir), options: options,
                                        logger: Logger(label: "fuzz"), transport: upstream)
        let app = gateway.apiApplication(services: [gateway.writer]) { _ in }
        let ledgerBefore = try setup.ledgerRows()
        let probes = try await app.test(.live) { client in
            var random = SplitMix64(seed: seed)
            var probes = 0
            let wire = "http://127.0.0.1:\(client.port ?? 0)"
            for batch in 0..<100 {
                // Broken HTTP itself, on raw connections: answered 4xx or closed, never served.
                for _ in 0..<2 {
                    let connection = try RawConnection(wire)
                    connection.send(FuzzRequest.malformedWire(&random, goodKey: setup.fuzzKey))
                    if case .data(let answer) = connection.read(within: 15) {
                        #expect(answer.hasPrefix("HTTP/1.1 4"), "seed \(seed) batch \(batch): \(answer.prefix(200))")
                    }
                }
                for _ in 0..<98 {
                    let request = FuzzRequest.make(&random, goodKey: setup.fuzzKey)
                    let response = try await client.execute(uri: request.uri, method: request.method,
                                                            headers: request.headers, body: request.body)
                    #expect(response.status.code >= 400 || request.method == .get,
                            "seed \(seed) batch \(batch): \(request.uri) answered \(response.status)")
                }
                let probe = try await client.execute(
                    uri: "/v1/chat/completions", method: .post,
                    headers: [.authorization: "Bearer \(setup.probeKey)", .contentType: "application/json"],
                    body: ByteBuffer(string: #"{"model":"mock-model","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#))
                probes += 1
                #expect(probe.status == .ok, "seed \(seed) batch \(batch): the hub stopped serving (\(probe.status))")
            }
            return probes
        }
        #expect(upstream.callCount == probes, "seed \(seed): only the valid probes reach the upstream")
        let after = try setup.ledgerRows()
        #expect(after.fuzz == ledgerBefore.fuzz, "seed \(seed): the fuzzing user was charged")
        #expect(after.probe == ledgerBefore.probe + probes, "seed \(seed): every probe is charged once")
        #expect(try setup.balancesMatchLedger())
    }
}

/// A data directory with a priced mock model and two users: one whose key the fuzz uses, one for probes.
struct FuzzHub {
    let dataDir: String
    let fuzzKey: String
    let probeKey: String

    init() throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString)").path
        self.dataDir = dataDir
        try runHub(["init", "--data-dir", dataDir, "--mode", "service-provider"])
        func admin(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
            try HubFixture.admin(dataDir, arguments, environment: environment)
        }
        _ = try admin(["providers", "add", "mock", "--kind", "openai-compatible", "--base-url", "http://127.0.0.1:9/v1"])
        _ = try admin(["credentials", "add", "mock", "--name", "c0", "--secret-env", "CRED"], environment: ["CRED": "sk-x"])
        _ = try admin(["rates", "set", "mock/mock-model", "--input", "1", "--output", "2", "--per", "1K"])
        var keys: [String] = []
        for name in ["fuzz", "probe"] {
            _ = try admin(["users", "add", name])
            _ = try admin(["users", "grant", name, "100", "--reason", "test"])
            let created = try admin(["keys", "create", name, "--name", "k", "--json"])
            let json = try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any]
            keys.append(json?["secret"] as? String ?? "")
        }
        fuzzKey = keys[0]
        probeKey = keys[1]
    }

    private func database() throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: dataDir + "/hub.sqlite", configuration: configuration)
    }

    /// Ledger entries of each user.
    func ledgerRows() throws -> (fuzz: Int, probe: Int) {
        try database().read { db in
            func count(_ name: String) throws -> Int {
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger l JOIN users u ON u.id = l.user_id WHERE u.name = ?",
                                 arguments: [name]) ?? 0
            }
            return (try count("fuzz"), try count("probe"))
        }
    }

    func balancesMatchLedger() throws -> Bool {
        try database().read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM users u
                WHERE u.balance != (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE user_id = u.id) OR u.balance < 0
                """) == 0
        }
    }
}

/// One hostile request: the key is bad, or the body is, or the model is not one the hub offers, so
/// it can never be a paid call.
struct FuzzRequest {
    var uri: String
    var method: HTTPRequest.Method
    var headers: HTTPFields
    var body: ByteBuffer?

    static let valid = #"{"model":"mock-model","max_tokens":5,"stream":false,"messages":[{"role":"user","content":"hi"}]}"#

    static func make(_ random: inout SplitMix64, goodKey: String) -> FuzzRequest {
        var headers: HTTPFields = [.contentType: pick(["application/json", "text/plain", "application/json; charset=utf-16",
                                                       "multipart/form-data", "", "\u{7f}"], &random)]
        let keyKind = Int.random(in: 0..<6, using: &random)
        switch keyKind {
        case 0: break
        case 1: headers[.authorization] = "Bearer sk-" + randomText(&random, length: Int.random(in: 0..<80, using: &random))
        case 2: headers[.authorization] = pick(["Basic Zm9vOmJhcg==", "Bearer", "Bearer ", "bearer\t\(goodKey)", "Token \(goodKey)",
                                                "Bearer \(goodKey)x", "Bearer \(String(goodKey.dropLast()))"], &random)
        default: headers[.authorization] = "Bearer \(goodKey)"
        }
        if Bool.random(using: &random) {
            headers[HTTPFields.Element.Name("x-" + randomName(&random))!] = randomText(&random, length: Int.random(in: 0..<200, using: &random))
        }
        if Int.random(in: 0..<10, using: &random) == 0 { headers[.contentEncoding] = pick(["gzip", "br", "deflate", "identity"], &random) }
        let uri = pick(["/v1/chat/completions", "/v1/chat/completions", "/v1/chat/completions", "/v1/embeddings",
                        "/v1/chat/completions?x=%00", "/v1/../v1/chat/completions", "/v1/models", "/v1/chat/completions/"], &random)
        let method: HTTPRequest.Method = uri == "/v1/models" ? pick([.get, .post, .delete], &random) : pick([.post, .post, .post, .put], &random)
        // A valid key must carry a body that cannot be paid for.
        let mustBeUnpayable = keyKind >= 3
        return FuzzRequest(uri: uri, method: method, headers: headers, body: body(&random, unpayable: mustBeUnpayable))
    }

    static func body(_ random: inout SplitMix64, unpayable: Bool) -> ByteBuffer {
        let kind = Int.random(in: 0..<12, using: &random)
        switch kind {
        case 0: return ByteBuffer(bytes: (0..<Int.random(in: 0..<2_000, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
        case 1: return ByteBuffer(string: "")
        case 2: return ByteBuffer(string: String(valid.prefix(Int.random(in: 0..<valid.count, using: &random))))
        case 3: return ByteBuffer(bytes: [0xEF, 0xBB, 0xBF] + Array(valid.utf8).map { $0 == UInt8(ascii: "k") ? 0xFF : $0 })
        case 4: return ByteBuffer(string: #"{"model":"\#(randomName(&random, length: Int.random(in: 200..<5_000, using: &random)))","messages":[]}"#)
        case 5: return ByteBuffer(string: #"{"model":"mock-model\u0000\n\t","messages":[{"role":"user","content":"x"}]}"#)
        case 6: return ByteBuffer(string: #"{"model":["mock-model"],"max_tokens":"5"}"#)
        case 7: return ByteBuffer(string: #"{"model":"no-such/\#(randomName(&random))","max_tokens":\#(pick(["-1", "0", "1e400", "null", "true", "9999999999999999999999"], &random))}"#)
        case 8: return ByteBuffer(string: String(repeating: "[", count: Int.random(in: 1..<50_000, using: &random)))
        case 9: return ByteBuffer(string: #"{"model":"mock-model","max_tokens":\#(pick(["-1", "0", "1.5", "\"ten\"", "true", "[]", "{}"], &random)),"messages":[]}"#)
        case 10: return ByteBuffer(string: #"{"model":"\#(pick(["", " ", "../../etc/passwd", "mock-model ", "MOCK-MODEL", "mock/", "/mock-model", "m\u{202e}ledom"], &random))"}"#)
        default:
            // A mutated valid request: one byte changed, with a model no provider offers unless unpayable is false.
            var bytes = Array(valid.replacingOccurrences(of: "mock-model", with: unpayable ? "zz-" + randomName(&random) : "mock-model").utf8)
            bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            return ByteBuffer(bytes: bytes)
        }
    }

    /// Bytes that are not a well-formed HTTP/1.1 request, or are one with a valid key and a broken body.
    static func malformedWire(_ random: inout SplitMix64, goodKey: String) -> [UInt8] {
        let texts = [
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nhello\r\n",
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            "POST /v1/chat/completions HTTP/9.9\r\nHost: x\r\n\r\n",
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n",
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(goodKey)\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"mod\r\n0\r\n\r\n",
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(goodKey)\r\nContent-Length: 9\r\n\r\n{\"model\":",
            "POST\t/v1/chat/completions\tHTTP/1.1\r\n\r\n",
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(goodKey)\r\nContent-Length: 99999999999999999999\r\n\r\n",
        ]
        if Int.random(in: 0..<4, using: &random) == 0 {
            return (0..<Int.random(in: 1..<3_000, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) } + Array("\r\n\r\n".utf8)
        }
        return Array(pick(texts, &random).utf8)
    }

    static func pick<T>(_ options: [T], _ random: inout SplitMix64) -> T { options[Int.random(in: 0..<options.count, using: &random)] }

    static func randomName(_ random: inout SplitMix64, length: Int = 12) -> String {
        String((0..<length).map { _ in pick(Array("abcdefghijklmnopqrstuvwxyz0123456789-"), &random) })
    }

    static func randomText(_ random: inout SplitMix64, length: Int) -> String {
        String((0..<length).map { _ in pick(Array("abcXYZ019 -_=+/\\\"'%;,"), &random) })
    }
}
