import Foundation
import GRDB
import HubTestSupport
import Testing
import HubAdmin
@testable import HubCore

/// `serve` that cannot run exits non-zero within 5 seconds, with one line naming the cause,
/// instead of hanging or half-starting.
@Suite("serve fails fast")
struct ServeFailFastTests {
    /// Runs `serve` on `directory` and expects it to end on its own within 5 s, non-zero, with one line holding `cause`.
    static func expectServeFails(
        _ directory: String, naming cause: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let hub = try BackgroundProcess.aigneHub(["serve", "--data-dir", directory, "--port", "0"])
        let status = try await hub.waitForExit(timeout: .seconds(5))
        if status == nil { try await hub.stop(signal: SIGKILL) }
        #expect(status != nil, "serve still runs after 5 s: \(hub.stderr)", sourceLocation: sourceLocation)
        #expect(status != 0, sourceLocation: sourceLocation)
        #expect(!hub.stdout.contains("listening"), "\(hub.stdout)", sourceLocation: sourceLocation)
        #expect(hub.stderr.split(separator: "\n").count == 1, "\(hub.stderr)", sourceLocation: sourceLocation)
        #expect(hub.stderr.contains(cause), "\(hub.stderr)", sourceLocation: sourceLocation)
    }

    /// A `serve` on `directory` whose admin socket accepts.
    static func serveWithSocket(_ directory: String) async throws -> BackgroundProcess {
        let hub = try BackgroundProcess.aigneHub(["serve", "--data-dir", directory, "--port", "0"])
        try await hub.waitFor("listening")
        for _ in 0..<500 where !AdminSocketProbe.accepts(at: directory + "/admin.sock") {
            try await Task.sleep(for: .milliseconds(20))
        }
        return hub
    }

    @Test("a live hub holds the admin socket")
    func liveHub() async throws {
        let hub = try CLITests.CLIHub()
        let first = try await Self.serveWithSocket(hub.directory)
        try await Self.expectServeFails(hub.directory, naming: "a hub is already running on \(hub.directory)")
        #expect(AdminSocketProbe.answers(at: hub.directory + "/admin.sock"), "the first hub keeps its socket")
        #expect(try await first.stop() == 0)
    }

    /// A hub that is draining has closed its admin socket but still settles its calls: a second
    /// hub must not start (its start-up would settle the first one's open holds).
    @Test("a live hub holds the data directory's lock, admin socket or not")
    func liveHubWithoutSocket() async throws {
        let hub = try CLITests.CLIHub()
        let first = try await Self.serveWithSocket(hub.directory)
        try FileManager.default.removeItem(atPath: hub.directory + "/admin.sock")
        try await Self.expectServeFails(hub.directory, naming: "another hub is running on this data directory (pid \(first.process.processIdentifier))")
        let lock = try FileManager.default.attributesOfItem(atPath: hub.directory + "/hub.lock")
        #expect((lock[.posixPermissions] as? Int) == 0o600)
        #expect(try await first.stop() == 0)
    }

    @Test("the database is locked by another process")
    func locked() async throws {
        let hub = try CLITests.CLIHub()
        let database = hub.directory + "/hub.sqlite"
        let python = try PythonEnvironment.interpreter()
        let holder = try BackgroundProcess(python, ["-c", """
            import sqlite3, sys, time
            connection = sqlite3.connect(sys.argv[1], isolation_level=None)
            connection.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            time.sleep(3600)  # held until the test kills it: a shorter hold can run out under a loaded full run
            """, database])
        try await holder.waitFor("locked")
        try await Self.expectServeFails(hub.directory, naming: "is locked by another process")
        try await holder.stop(signal: SIGKILL)
    }

    @Test("the database is corrupt")
    func corrupt() async throws {
        let hub = try CLITests.CLIHub()
        let database = hub.directory + "/hub.sqlite"
        try Data(repeating: 0x5A, count: 16_384).write(to: URL(fileURLWithPath: database))
        try await Self.expectServeFails(hub.directory, naming: "\(database) is corrupt")
    }

    @Test("the database is newer than the binary")
    func newerSchema() async throws {
        let hub = try CLITests.CLIHub()
        let database = hub.directory + "/hub.sqlite"
        let queue = try DatabaseQueue(path: database)
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999: from the future')")
        }
        try queue.close()
        try await Self.expectServeFails(hub.directory, naming: "was written by a newer aigne-hub (migrations aigne-hub \(HubVersion.current) does not know: v999: from the future)")
    }

    @Test("the secret key is not the one that sealed the hub's secrets")
    func wrongKey() async throws {
        let hub = try CLITests.CLIHub()
        let otherKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        try (otherKey + "\n").write(toFile: hub.directory + "/secret.key", atomically: false, encoding: .utf8)
        try await Self.expectServeFails(hub.directory, naming: "the secret key does not match this hub's database")
    }
}
