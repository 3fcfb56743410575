import Foundation
import HubAdmin
import HubCore
import HubTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A socket planted where a hub's `admin.sock` belongs, by another account or in a directory
/// others can write: the CLI must refuse it before sending anything, so that a provider secret
/// never reaches it. The planted listener (a Python process) answers like a hub and records
/// every byte it receives.
///
/// We run as root, which may connect anywhere, so "another account" is `nobody` (uid 65534):
/// either the socket file belongs to it, or the process listening on it runs as it (the file
/// check and the `SO_PEERCRED` check each stop one of these on their own).
@Suite("Planted admin sockets")
struct PlantedSocketTests {
    enum Plant: String, CaseIterable, CustomTestStringConvertible {
        /// The socket file belongs to nobody, and nobody listens on it.
        case ownedByAnotherUid
        /// The socket file is root's (as a hub's would be), but nobody listens on it.
        case servedByAnotherUid
        /// root's socket, root listening, but in a directory anyone could have written it into.
        case worldWritableDirectory

        var testDescription: String { rawValue }
    }

    static let secret = "sk-planted-test-0123456789abcdef"

    @Test("the CLI refuses a planted socket and sends it nothing", arguments: Plant.allCases, [false, true])
    func refused(_ plant: Plant, explicitSocket: Bool) async throws {
        let hub = try TestHub.create()
        defer { hub.remove() }
        let listener = try await Self.plant(plant, at: hub.socketPath)
        if plant == .worldWritableDirectory { chmod(hub.directory.path, 0o777) }

        let target = explicitSocket ? ["--socket", hub.socketPath] : ["--data-dir", hub.directory.path]
        let outcome = try AigneHubBinary.run(
            ["admin", "credentials", "add", "openai", "--name", "main", "--secret-stdin"] + target,
            stdin: Self.secret + "\n", removing: ["AIGNE_HUB_HOME"])

        let record = try await Self.record(of: listener)
        #expect(record.received.isEmpty, "the planted socket received: \(record.received)")
        // The file checks refuse before connecting (the server's uid can only be read once connected).
        if plant != .servedByAnotherUid { #expect(record.connections == 0, "\(record)") }
        #expect(outcome.status != 0, "\(outcome)")
        #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome)")
        let cause = switch plant {
        case .ownedByAnotherUid: "belongs to nobody (uid 65534)"
        case .servedByAnotherUid: "runs as nobody (uid 65534), not as a hub you trust: nothing was sent"
        case .worldWritableDirectory: "is open to other users (mode 777)"
        }
        #expect(outcome.stderr.contains(cause), "\(outcome)")
        #expect(!outcome.stderr.contains(Self.secret))
    }

    @Test("a hub of this account still answers the CLI through its socket")
    func ownHubAnswers() async throws {
        try await withServer { hub, _ in
            let outcome = try AigneHubBinary.run(["admin", "status", "--data-dir", hub.directory.path, "--json"])
            #expect(outcome.status == 0, "\(outcome)")
            #expect(outcome.stdout.contains("\"running\" : true"), "\(outcome)")
        }
    }

    @Test("a hub run by another account is used only when that account is named with --hub-user")
    func hubOfAnotherAccount() async throws {
        let directory = "/tmp/ahu-\(UUID().uuidString.prefix(8).lowercased())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let made = try AigneHubBinary.run(["init", "--data-dir", directory], removing: ["AIGNE_HUB_HOME"], asUid: 65534)
        #expect(made.status == 0, "\(made)")
        let hub = try BackgroundProcess("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                             try AigneHubBinary.path(), "admin-socket", "--data-dir", directory])
        for _ in 0..<500 where !AdminSocketProbe.accepts(at: directory + "/admin.sock") {
            try await Task.sleep(for: .milliseconds(20))
        }
        let refused = try AigneHubBinary.run(["admin", "users", "add", "zed", "--socket", directory + "/admin.sock"])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("belongs to nobody (uid 65534), not to root (uid 0)"), "\(refused)")
        #expect(refused.stderr.contains("pass --hub-user nobody"), "\(refused)")
        let named = try AigneHubBinary.run(["admin", "users", "add", "zed", "--socket", directory + "/admin.sock", "--hub-user", "nobody"])
        #expect(named.status == 0, "\(named)")
        let listed = try AigneHubBinary.run(["admin", "users", "list", "--data-dir", directory, "--hub-user", "nobody", "--json"])
        #expect(listed.stdout.contains("\"name\" : \"zed\""), "\(listed)")
        #expect(try await hub.stop() == 0, "\(hub.stderr)")
    }

    // MARK: - Planting

    /// Binds a Unix socket at `path` as root (so the file is root's), gives the file to nobody when
    /// asked, and hands it to a listener process running as root or as nobody.
    static func plant(_ plant: Plant, at path: String) async throws -> BackgroundProcess {
        let fd = try StaleSocket.bound(at: path)
        defer { close(fd) }
        if plant == .ownedByAnotherUid, lchown(path, 65534, 65534) != 0 {
            throw TestFailure("cannot chown \(path): \(String(cString: strerror(errno)))")
        }
        let script = AigneHubBinary.packageRoot.appendingPathComponent("Tests/e2e/planted_listener.py").path
        let python = try PythonEnvironment.interpreter()
        let listener = plant == .worldWritableDirectory
            ? try BackgroundProcess(python, [script], standardInput: fd)
            : try BackgroundProcess("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", python, script],
                                    standardInput: fd)
        try await listener.waitFor("ready")
        return listener
    }

    /// What the listener received, after it is stopped.
    static func record(of listener: BackgroundProcess) async throws -> (connections: Int, received: String) {
        try await listener.stop(signal: SIGKILL)
        var connections = 0
        var received = ""
        for line in listener.stdout.split(separator: "\n") where line != "ready" {
            guard let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw TestFailure("the planted listener printed \(line)")
            }
            if event["connection"] != nil { connections += 1 }
            received += event["received"] as? String ?? ""
        }
        return (connections, received)
    }
}
