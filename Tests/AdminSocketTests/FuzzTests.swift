import Foundation
import HubAdmin
import HubCore
import NIOCore
import HubTestSupport
import Testing

@Suite("Admin socket fuzz")
struct FuzzTests {
    static let lineCount = 100_000
    static let connections = 4

    @Test("100,000 random and mutated lines: every answer is JSON-RPC, the hub still answers, the database is unchanged")
    func fuzz() async throws {
        let seed = ProcessInfo.processInfo.environment["AIGNE_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("fuzz seed \(seed) (replay with AIGNE_FUZZ_SEED=\(seed))")
        try await withServer { hub, server in
            try await populate(hub)
            let before = try hub.tableContents()
            let started = ContinuousClock.now
            let perConnection = Self.lineCount / Self.connections
            let tallies = try await withThrowingTaskGroup(of: [String: Int].self) { group in
                for index in 0..<Self.connections {
                    group.addTask {
                        var rng = SplitMix64(seed: seed &+ UInt64(index))
                        let lines = (0..<perConnection).map { _ in FuzzCorpus.line(&rng) }
                        return try await Self.send(lines, to: server.path)
                    }
                }
                return try await group.reduce(into: [String: Int]()) { $0.merge($1, uniquingKeysWith: +) }
            }
            let elapsed = ContinuousClock.now - started
            print("fuzz: \(Self.lineCount) lines over \(Self.connections) connections in \(elapsed), answers by kind: \(tallies.sorted { $0.key < $1.key })")
            #expect(tallies["malformed answer", default: 0] == 0)
            let status = try await HubConnections.socket(server.path).call(Admin.HubStatus())
            #expect(status.running)
            #expect(try hub.tableContents() == before, "fuzz input changed the database (seed \(seed))")
        }
    }

    /// Sends `lines` on one connection while reading the answers; returns a tally of answers by
    /// error code (or "result"/"notification"/"batch"/"malformed answer").
    private static func send(_ lines: [[UInt8]], to path: String) async throws -> [String: Int] {
        try await LineSession.with(path) { session in
            let outbound = session.outbound
            let sentinel = #"{"jsonrpc":"2.0","id":"fuzz-end","method":"hub.status"}"#
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for chunk in stride(from: 0, to: lines.count, by: 200) {
                        var buffer = ByteBuffer()
                        for line in lines[chunk..<min(chunk + 200, lines.count)] {
                            buffer.writeBytes(line)
                            buffer.writeInteger(UInt8(ascii: "\n"))
                        }
                        try await outbound.write(buffer)
                    }
                    try await outbound.write(ByteBuffer(string: sentinel + "\n"))
                }
                var tally: [String: Int] = [:]
                while let line = try await session.nextLine() {
                    guard let value = try? JSONValue.parse(Data(line.utf8)) else {
                        tally["malformed answer", default: 0] += 1
                        continue
                    }
                    if value["id"] == .string("fuzz-end"), value["result"] != nil { break }
                    tally[kind(of: value), default: 0] += 1
                }
                try await group.waitForAll()
                return tally
            }
        }
    }

    private static func kind(of value: JSONValue) -> String {
        switch value {
        case .array(let items): return items.allSatisfy { kind(of: $0) != "malformed answer" } ? "batch" : "malformed answer"
        case .object:
            guard value["jsonrpc"] == .string("2.0") else { return "malformed answer" }
            if value["method"] != nil, value["id"] == nil { return "notification" }
            if let code = value.errorCode, value["result"] == nil { return "error \(code)" }
            return value["result"] != nil && value["error"] == nil ? "result" : "malformed answer"
        default: return "malformed answer"
        }
    }

    /// A hub with something in every table, so that reads return data and a change would show.
    private func populate(_ hub: TestHub) async throws {
        let connection = HubConnections.socket(hub.socketPath)
        _ = try await connection.call(Admin.UsersAdd(name: "alice", email: "alice@example.com"))
        _ = try await connection.call(Admin.UsersAdd(name: "bob"))
        _ = try await connection.call(Admin.UsersGrant(user: "alice", amount: Amount(nanos: 50_000_000_000), reason: "seed"))
        _ = try await connection.call(Admin.KeysCreate(user: "alice", name: "one"))
        _ = try await connection.call(Admin.KeysCreate(user: "alice", name: "two"))
        _ = try await connection.call(Admin.ProvidersAdd(name: "openai", kind: .openAICompatible, baseUrl: "https://api.openai.com/v1"))
        _ = try await connection.call(Admin.CredentialsAdd(provider: "openai", name: "main", secret: "sk-fuzz-1234567890"))
        _ = try await connection.call(Admin.RatesSet(model: "openai/gpt-4o", input: Amount(nanos: 1_000_000_000)))
        try hub.insertUsage(20, userId: 1, providerId: 1)
    }
}
