import Foundation
import HubTestSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A real cluster for a test: a throwaway PostgreSQL server, `aigne-hub init --database` on node A's
/// directory, node B's directory with a copy of A's secret.key (mode 600), the mock upstream, and
/// `aigne-hub serve --database URL --data-dir NODEDIR` processes on free loopback ports. Set up with
/// the `aigne-hub admin … --database URL --data-dir A` CLI. Every wait has a deadline (the
/// "listening on" line, pg_isready); ``with(mockArguments:body:)`` removes everything, even on failure.
final class ClusterFixture: Sendable {
    let server: PostgresServer
    /// The database URL, password included (the nodes' messages must never print it).
    let url: String
    let root: URL
    let mock: BackgroundProcess
    let mockURL: String
    private let nodes = Mutex<[Node]>([])

    /// A running `aigne-hub serve` node.
    struct Node: Sendable {
        let name: String
        let directory: URL
        let process: BackgroundProcess
        /// http://127.0.0.1:PORT
        let url: String
        var pid: Int32 { process.process.processIdentifier }
        var socket: String { directory.appendingPathComponent("admin.sock").path }
        var chatURL: String { url + "/v1/chat/completions" }
    }

    private init(server: PostgresServer, root: URL, mock: BackgroundProcess, mockURL: String) {
        self.server = server
        self.url = server.url(database: "hub", withPassword: true)
        self.root = root
        self.mock = mock
        self.mockURL = mockURL
    }

    /// Starts PostgreSQL and the mock upstream, initialises the hub on node A's directory, prepares
    /// node B's, configures the mock provider and its rates, runs `body`, and removes it all.
    static func with<T>(mockArguments: [String] = [], _ body: (ClusterFixture) async throws -> T) async throws -> T {
        let server = try PostgresServer.start()
        let root = URL(fileURLWithPath: "/tmp/aigne-cluster-\(UUID().uuidString.prefix(8))")
        var mock: BackgroundProcess?
        var cluster: ClusterFixture?
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            try server.createDatabase("hub")
            let started = try BackgroundProcess.aigneHub(["mock-upstream", "--port", "0"] + mockArguments)
            mock = started
            let made = ClusterFixture(server: server, root: root, mock: started,
                                      mockURL: try await listeningURL(of: started))
            cluster = made
            try made.initialise()
            let result = try await body(made)
            await made.tearDown()
            return result
        } catch {
            if let cluster { await cluster.tearDown() } else {
                if let mock { kill(mock.process.processIdentifier, SIGKILL) }
                server.stop()
                try? FileManager.default.removeItem(at: root)
            }
            throw error
        }
    }

    /// `init --database` on A, the key copied to B, the mock provider with its credential and rates.
    private func initialise() throws {
        try hub(["init", "--database", url, "--data-dir", directory("A").path, "--mode", "service-provider"])
        try copyKey(to: directory("B"))
        try admin(["providers", "add", "mock", "--kind", "openai-compatible", "--base-url", mockURL + "/v1"])
        try admin(["credentials", "add", "mock", "--name", "c0", "--secret-env", "CRED"], environment: ["CRED": "sk-good-credential"])
        try admin(["rates", "set", "mock/mock-model", "--input", "1", "--output", "2", "--per", "1K",
                   "--cost-input", "0.5", "--cost-output", "1"])
        try admin(["rates", "set", "mock/mock-embed", "--type", "embedding", "--input", "0.1", "--per", "1K"])
    }

    /// A node's own directory under the fixture's root (`name`: A, B, ...).
    func directory(_ name: String) -> URL { root.appendingPathComponent("node\(name)") }

    /// Makes `directory` (0700) with a copy of node A's secret.key (0600).
    func copyKey(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let key = try Data(contentsOf: self.directory("A").appendingPathComponent("secret.key"))
        try writeKey(key, to: directory)
    }

    /// Makes `directory` (0700) with a secret key of its own: not the cluster's.
    func strangerDirectory(_ name: String) throws -> URL {
        let directory = self.directory(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        try writeKey(Data((Data(bytes).base64EncodedString() + "\n").utf8), to: directory)
        return directory
    }

    private func writeKey(_ key: Data, to directory: URL) throws {
        let path = directory.appendingPathComponent("secret.key").path
        guard FileManager.default.createFile(atPath: path, contents: key, attributes: [.posixPermissions: 0o600]) else {
            throw TestFailure("cannot write \(path)")
        }
    }

    // MARK: - Nodes

    /// Starts `aigne-hub serve --database URL --data-dir NODEDIR --port 0` and waits for its
    /// "listening on" line (printed once the HTTP listener and the admin socket are bound).
    @discardableResult
    func startNode(_ name: String, arguments: [String] = []) async throws -> Node {
        let directory = self.directory(name)
        let process = try BackgroundProcess.aigneHub(["serve", "--database", url, "--data-dir", directory.path, "--port", "0"] + arguments)
        let node = Node(name: name, directory: directory, process: process, url: try await Self.listeningURL(of: process))
        nodes.withLock { $0.append(node) }
        return node
    }

    /// The node's id: its `nodes` row (found by its pid), its holds' run_id, its calls' node_id.
    func nodeId(_ node: Node) throws -> String {
        let id = try psql("SELECT id FROM nodes WHERE pid = \(node.pid) AND stopped_at IS NULL")
        guard !id.isEmpty, !id.contains("\n") else { throw TestFailure("no single running nodes row for node \(node.name) (pid \(node.pid)): '\(id)'") }
        return id
    }

    /// The `http://HOST:PORT` of the process's "listening on http://…" line.
    static func listeningURL(of process: BackgroundProcess) async throws -> String {
        try await process.waitFor("listening on http://")
        let line = process.stdout.split(separator: "\n").first { $0.contains("listening on http://") } ?? ""
        guard let range = line.range(of: "http://") else { throw TestFailure("no address in '\(line)'") }
        return String(line[range.lowerBound...].prefix { !$0.isWhitespace })
    }

    // MARK: - CLI and database

    /// Runs `aigne-hub ARGUMENTS` to completion; throws (with what it printed) unless it exits 0.
    @discardableResult
    func hub(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let outcome = try AigneHubBinary.run(arguments, environment: environment, removing: ["AIGNE_HUB_HOME", "AIGNE_HUB_SECRET_KEY"])
        guard outcome.status == 0 else {
            throw TestFailure("aigne-hub \(arguments.prefix(3).joined(separator: " ")) exited \(outcome.status): \(outcome.stderr)")
        }
        return outcome.stdout
    }

    /// `aigne-hub admin ARGUMENTS --database URL --data-dir A`: straight on the database.
    @discardableResult
    func admin(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        try hub(["admin"] + arguments + ["--database", url, "--data-dir", directory("A").path], environment: environment)
    }

    /// Adds a user with `credits` (if any) and returns its id and a new API key's secret.
    func user(_ name: String, credits: String?) throws -> (id: Int64, key: String) {
        try admin(["users", "add", name])
        if let credits { try admin(["users", "grant", name, credits, "--reason", "test"]) }
        let created = try admin(["keys", "create", name, "--name", "test", "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any]
        guard let secret = json?["secret"] as? String, let key = json?["key"] as? [String: Any],
              let userId = (key["user_id"] as? NSNumber)?.int64Value else {
            throw TestFailure("unexpected keys create output: \(created)")
        }
        return (userId, secret)
    }

    /// SQL on the hub's database (psql over the server's socket), unaligned, fields joined by `|`.
    @discardableResult
    func psql(_ sql: String) throws -> String { try server.psql(sql, database: "hub") }

    /// A single integer the query returns.
    func integer(_ sql: String) throws -> Int64 {
        let text = try psql(sql)
        guard let value = Int64(text) else { throw TestFailure("not an integer from \(sql): '\(text)'") }
        return value
    }

    /// What breaks the money invariants, one line each (empty when they hold): a user whose ledger
    /// sum is not their balance, a negative balance, a request charged more than once.
    func moneyViolations() throws -> [String] {
        let mismatched = try psql("""
            SELECT 'user ' || u.id || ': balance ' || u.balance || ' <> ledger sum ' || COALESCE(l.total, 0)
            FROM users u LEFT JOIN (SELECT user_id, sum(amount) AS total FROM ledger GROUP BY user_id) l ON l.user_id = u.id
            WHERE u.balance <> COALESCE(l.total, 0)
            """)
        let negative = try psql("SELECT 'user ' || id || ': negative balance ' || balance FROM users WHERE balance < 0")
        let twice = try psql("""
            SELECT 'request ' || request_id || ' charged ' || count(*) || ' times' FROM ledger
            WHERE request_id IS NOT NULL AND kind = 'usage' GROUP BY request_id HAVING count(*) > 1
            """)
        return [mismatched, negative, twice].flatMap { $0.split(separator: "\n").map(String.init) }
    }

    // MARK: - Teardown

    /// Stops the nodes (SIGTERM, then SIGKILL), the mock and the server, and removes every directory.
    func tearDown() async {
        for node in nodes.withLock({ $0 }) where node.process.isRunning {
            do { try await node.process.stop() } catch { kill(node.pid, SIGKILL) }
        }
        if mock.isRunning {
            kill(mock.process.processIdentifier, SIGKILL)
            mock.process.waitUntilExit()
        }
        server.stop()
        try? FileManager.default.removeItem(at: root)
    }

    /// The nodes' output, for failure messages.
    var logs: String {
        nodes.withLock { $0 }.map { "--- node \($0.name):\n\($0.process.stdout)\($0.process.stderr)" }.joined(separator: "\n")
    }
}

/// The cluster tests' requests, through the tests' shared HTTP client.
enum ClusterHTTP {
    typealias Reply = TestHTTP.Reply

    /// POSTs a chat completion with `key` to `node`.
    static func chat(_ node: ClusterFixture.Node, key: String, maxTokens: Int = 10) async throws -> Reply {
        try await TestHTTP.post(node.chatURL, key: key, body: TestHTTP.chatBody(maxTokens: maxTokens))
    }
}

/// Waits, polling every 20 ms until `deadline`, for `condition`; returns the time it took, or nil.
func eventually(within limit: Duration, _ condition: () async throws -> Bool) async throws -> Duration? {
    let started = ContinuousClock.now
    while true {
        if try await condition() { return ContinuousClock.now - started }
        guard ContinuousClock.now - started < limit else { return nil }
        try await Task.sleep(for: .milliseconds(20))
    }
}
