import Foundation
import HubTestSupport
import Testing
@testable import HubCore
#if canImport(Glibc)
import Glibc
#endif

/// Only the owner can use a hub: its data directory is 0700 and its own, its files 0600.
@Suite("Data directory permissions")
struct DataDirectoryTests {
    static func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("dd-\(UUID().uuidString.prefix(12))").path
    }

    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }

    @Test("init refuses a directory open to others, or another account's, and leaves it untouched")
    func initRefusesOpenDirectory() async throws {
        for (mode, owner, cause) in [(mode_t(0o777), uid_t(0), "is open to other users (mode 777): run `chmod 700 "),
                                     (0o755, 0, "is open to other users (mode 755): run `chmod 700 "),
                                     (0o750, 0, "is open to its group (mode 750): run `chmod 700 "),
                                     (0o700, 65534, "belongs to nobody (uid 65534), not to root (uid 0)")] {
            let directory = Self.scratch()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            #expect(mkdir(directory, 0o700) == 0)
            chmod(directory, mode)
            chown(directory, owner, owner)
            let outcome = try Binary.run(["init", "--data-dir", directory])
            #expect(outcome.status != 0, "\(outcome)")
            #expect(outcome.stderr.contains(cause), "\(outcome)")
            #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        }
    }

    @Test("init makes the directory 0700 and its files 0600, whatever the umask")
    func modesAfterInit() async throws {
        let scratch = Self.scratch()
        let directory = scratch + "/nested/hub"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let outcome = try ChildProcess.run("/bin/sh", ["-c", "umask 000 && exec \"$0\" init --data-dir \"$1\"",
                                                       try AigneHubBinary.path(), directory])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(Self.mode(directory) == 0o700)
        for file in ["hub.sqlite", "secret.key"] { #expect(Self.mode(directory + "/" + file) == 0o600, "\(file)") }
        for file in ["hub.sqlite-wal", "hub.sqlite-shm"] {
            if let mode = Self.mode(directory + "/" + file) { #expect(mode == 0o600, "\(file)") }
        }
    }

    @Test("a running hub's files are 0600, its socket 0600 and its directory 0700")
    func modesAfterServe() async throws {
        let hub = try CLITests.CLIHub()
        let directory = hub.directory
        let serve = try BackgroundProcess.aigneHub(["serve", "--data-dir", directory, "--port", "0"])
        try await serve.waitFor("listening")
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: directory + "/admin.sock") {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(Self.mode(directory) == 0o700)
        for file in ["hub.sqlite", "hub.sqlite-wal", "hub.sqlite-shm", "secret.key", "admin.sock"] {
            #expect(Self.mode(directory + "/" + file) == 0o600, "\(file)")
        }
        #expect(try await serve.stop() == 0)
    }

    @Test("files an older version left open are made 0600 when the hub is opened")
    func looseFilesAreTightened() async throws {
        let hub = try CLITests.CLIHub()
        let directory = hub.directory
        chmod(directory + "/hub.sqlite", 0o644)
        chmod(directory + "/secret.key", 0o644)
        #expect(try Binary.run(["admin", "users", "list", "--data-dir", directory]).status == 0)
        #expect(Self.mode(directory + "/hub.sqlite") == 0o600)
        #expect(Self.mode(directory + "/secret.key") == 0o600)
    }

    @Test("the CLI refuses the database of a hub whose directory is open to others")
    func cliRefusesOpenDirectory() async throws {
        let hub = try CLITests.CLIHub()
        let directory = hub.directory
        chmod(directory, 0o777)
        for target in [["--data-dir", directory], ["--db", directory + "/hub.sqlite"]] {
            let outcome = try Binary.run(["admin", "users", "add", "mallory"] + target)
            #expect(outcome.status != 0, "\(outcome)")
            #expect(outcome.stderr.contains("is open to other users (mode 777): run `chmod 700 \(directory)`"), "\(outcome)")
        }
        chmod(directory, 0o700)
        #expect(try Binary.run(["admin", "users", "list", "--data-dir", directory]).stdout == "(none)\n")
    }

    @Test("serve refuses a directory open to its group unless --admin-group names the group")
    func serveNeedsAdminGroupForGroupAccess() async throws {
        let hub = try CLITests.CLIHub()
        let directory = hub.directory
        chown(directory, 0, 65534)
        chmod(directory, 0o750)
        let refused = try BackgroundProcess.aigneHub(["serve", "--data-dir", directory, "--port", "0"])
        let status = try await refused.waitForExit(timeout: .seconds(5))
        #expect(status != nil && status != 0, "\(refused.stderr)")
        #expect(refused.stderr.contains("is open to its group (mode 750)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--admin-group"), "\(refused.stderr)")

        let admitted = try BackgroundProcess.aigneHub(["serve", "--data-dir", directory, "--port", "0", "--admin-group", "nogroup"])
        try await admitted.waitFor("listening")
        var info = stat()
        for _ in 0..<500 where lstat(directory + "/admin.sock", &info) != 0 || info.st_gid != 65534 {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(info.st_gid == 65534)
        #expect(info.st_mode & 0o777 == 0o660)
        #expect(try await admitted.stop() == 0)
    }
}
