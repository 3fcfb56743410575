import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL server for one test: `initdb` into a temporary directory, started on a
/// free loopback port, stopped and removed by ``stop()``.
///
/// PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
/// `postgres` OS user (`setpriv --reuid=postgres`: like `runuser -u postgres --`, but it execs in
/// place, so the process this one starts, waits for and signals is the server itself). Connections over TCP need the generated
/// ``password`` (scram-sha-256); `psql` over the server's own Unix socket is trusted. Readiness is
/// waited for by connecting (`pg_isready`), with a deadline. Without the server binaries the start
/// fails with a message saying what to install: the tests that need it fail, never skip.
public final class PostgresServer: Sendable {
    public let port: Int
    public let password: String
    public let directory: URL
    let binaries: URL
    /// The `postgres` process itself, a child of this one (not daemonized by `pg_ctl`, whose exit
    /// Foundation's `Process` never saw here: the test hung).
    private let server = Mutex<BackgroundProcess?>(nil)
    public static let user = "postgres"

    private init(port: Int, password: String, directory: URL, binaries: URL) {
        self.port = port
        self.password = password
        self.directory = directory
        self.binaries = binaries
    }

    var dataDirectory: String { directory.appendingPathComponent("data").path }

    /// `postgres://postgres@127.0.0.1:PORT/DATABASE?sslmode=disable`, without the password.
    public func url(database: String, withPassword: Bool = false) -> String {
        let credentials = withPassword ? "\(Self.user):\(password)" : Self.user
        return "postgres://\(credentials)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// Starts a new server; tries another port if the chosen one was taken meanwhile.
    public static func start() throws -> PostgresServer {
        let binaries = try findBinaries()
        var lastError: (any Error)?
        for _ in 0..<3 {
            let directory = URL(fileURLWithPath: "/tmp/aigne-pg-\(UUID().uuidString.prefix(8))")
            do {
                let server = PostgresServer(port: try freePort(), password: "pw-\(UUID().uuidString)", directory: directory, binaries: binaries)
                try server.create()
                return server
            } catch {
                lastError = error
                try? FileManager.default.removeItem(at: directory)
            }
        }
        throw lastError!
    }

    /// The newest `/usr/lib/postgresql/<version>/bin` holding `initdb` and `postgres` (Debian's layout).
    public static func findBinaries(under root: URL = URL(fileURLWithPath: "/usr/lib/postgresql")) throws -> URL {
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions {
            let bin = root.appendingPathComponent("\(version)/bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path),
               FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("postgres").path) {
                return bin
            }
        }
        throw TestFailure("""
            these tests need a PostgreSQL server (initdb, postgres in \(root.path)/*/bin), and none is installed: \
            run `sudo apt-get install postgresql` (the README's apt-get line; .ci/run installs it)
            """)
    }

    private func create() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        let passwordFile = directory.appendingPathComponent("password")
        try Data(password.utf8).write(to: passwordFile)
        if geteuid() == 0 {
            guard let account = getpwnam(Self.user) else {
                throw TestFailure("running as root, PostgreSQL must run as the `postgres` OS user, which does not exist: install the `postgresql` package")
            }
            for path in [directory.path, passwordFile.path] where chown(path, account.pointee.pw_uid, account.pointee.pw_gid) != 0 {
                throw TestFailure("cannot chown \(path) to postgres: \(String(cString: strerror(errno)))")
            }
        }
        try asServer("initdb", ["-D", dataDirectory, "-U", Self.user, "--auth-local=trust", "--auth-host=scram-sha-256",
                                "--pwfile=\(passwordFile.path)", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        let arguments = ["-D", dataDirectory, "-p", "\(port)", "-h", "127.0.0.1", "-k", directory.path,
                         "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        let (program, full) = command("postgres", arguments)
        server.withLock { $0 = try? BackgroundProcess(program, full) }
        guard server.withLock({ $0 != nil }) else { throw TestFailure("cannot start \(program)") }
        try waitUntilReady(deadline: .now + .seconds(60))
    }

    /// Polls `pg_isready` over TCP until the server accepts connections.
    private func waitUntilReady(deadline: ContinuousClock.Instant) throws {
        while true {
            let check = try ChildProcess.run(binaries.appendingPathComponent("pg_isready").path,
                                             ["-h", "127.0.0.1", "-p", "\(port)", "-U", Self.user, "-d", "postgres"])
            if check.status == 0 { return }
            guard ContinuousClock.now < deadline, server.withLock({ $0?.isRunning == true }) else {
                throw TestFailure("PostgreSQL on port \(port) never became ready: \(check)\n\(log)")
            }
            usleep(50_000)
        }
    }

    /// The server's log, for failure messages.
    public var log: String { server.withLock { $0.map { $0.stdout + $0.stderr } } ?? "" }

    /// Creates an empty database.
    public func createDatabase(_ name: String) throws { _ = try psql("CREATE DATABASE \"\(name)\"", database: "postgres") }

    /// Runs SQL with `psql` over the server's Unix socket (trusted) and returns its unaligned output.
    @discardableResult
    public func psql(_ sql: String, database: String) throws -> String {
        let outcome = try ChildProcess.run(binaries.appendingPathComponent("psql").path, [
            "-h", directory.path, "-p", "\(port)", "-U", Self.user, "-d", database, "-v", "ON_ERROR_STOP=1",
            "-X", "-q", "-At", "-F", "|", "-c", sql,
        ])
        guard outcome.status == 0 else { throw TestFailure("psql failed on \(sql): \(outcome)") }
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server at once (SIGQUIT: immediate shutdown), waits for it, and removes its directory.
    public func stop() {
        if let process = server.withLock({ $0?.process }), process.isRunning {
            kill(process.processIdentifier, SIGQUIT)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// A server program and its arguments, run as `postgres` when this process is root.
    private func command(_ program: String, _ arguments: [String]) -> (String, [String]) {
        let path = binaries.appendingPathComponent(program).path
        let asPostgres = ["--reuid=\(Self.user)", "--regid=\(Self.user)", "--init-groups", path]
        return geteuid() == 0 ? ("/usr/bin/setpriv", asPostgres + arguments) : (path, arguments)
    }

    @discardableResult
    private func asServer(_ program: String, _ arguments: [String]) throws -> ProcessOutcome {
        let (executable, full) = command(program, arguments)
        let outcome = try ChildProcess.run(executable, full)
        guard outcome.status == 0 else { throw TestFailure("\(program) failed: \(outcome)") }
        return outcome
    }

    /// A loopback port nothing listens on now (the kernel's choice for port 0).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("bind: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
