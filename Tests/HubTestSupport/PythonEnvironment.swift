import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The Python that end-to-end tests run their scripts with: a virtual environment under
/// `.build/python-venv`, made on first use from `Tests/e2e/requirements.txt` (the official
/// `openai` client, Stripe's library, ...) and reused while that file is unchanged. Tests never
/// depend on what happens to be installed on the machine.
public enum PythonEnvironment {
    public static var directory: URL { AigneHubBinary.packageRoot.appendingPathComponent(".build/python-venv") }
    public static var requirements: URL { AigneHubBinary.packageRoot.appendingPathComponent("Tests/e2e/requirements.txt") }

    /// The venv's interpreter, made ready once per test process (and, through a file lock, once
    /// across test processes running at the same time).
    public static func interpreter() throws -> String {
        try ready.withLock { state in
            if let state { return try state.get() }
            let result = Result { try prepare() }
            state = result
            return try result.get()
        }
    }

    /// Runs `script` (a path) with the venv's interpreter; returns its standard output, or throws
    /// with everything it printed when it fails.
    public static func run(_ script: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws -> String {
        let outcome = try ChildProcess.run(try interpreter(), [script] + arguments, environment: environment)
        guard outcome.status == 0 else { throw TestFailure("\(script) failed: \(outcome.stdout)\(outcome.stderr)") }
        return outcome.stdout
    }

    private static let ready = Mutex<Result<String, any Error>?>(nil)

    private static func prepare() throws -> String {
        try make(at: directory, from: requirements)
    }

    /// Makes (or updates) a virtual environment at `venv` with the packages of `requirements`,
    /// unless it already holds exactly them; returns its interpreter. `environment` is added to
    /// pip's (tests point it at an index that cannot be reached).
    public static func make(at venv: URL, from requirements: URL, environment: [String: String] = [:]) throws -> String {
        let python = venv.appendingPathComponent("bin/python").path
        let stamp = venv.appendingPathComponent("requirements.installed")
        let wanted = try String(contentsOf: requirements, encoding: .utf8)
        try FileManager.default.createDirectory(at: venv.deletingLastPathComponent(), withIntermediateDirectories: true)
        let lock = open(venv.path + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw TestFailure("cannot open \(venv.path).lock: \(String(cString: strerror(errno)))") }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        defer { flock(lock, LOCK_UN) }

        if FileManager.default.isExecutableFile(atPath: python),
           (try? String(contentsOf: stamp, encoding: .utf8)) == wanted {
            return python
        }
        if !FileManager.default.isExecutableFile(atPath: python) {
            // Debian's python3 (readable by every account, so tests may run scripts as `nobody`).
            let base = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
            let made = try ChildProcess.run("/usr/bin/env", [base, "-m", "venv", venv.path])
            guard made.status == 0 else {
                throw TestFailure("""
                    cannot make the tests' Python environment (\(base) -m venv \(venv.path)): \
                    \(made.stderr.trimmingCharacters(in: .whitespacesAndNewlines)) \
                    — install python3 and python3-venv (see the README's apt-get line)
                    """)
            }
        }
        let installed = try ChildProcess.run(python, ["-m", "pip", "install", "--quiet", "-r", requirements.path],
                                             environment: environment)
        guard installed.status == 0 else {
            let said = (installed.stdout + installed.stderr).split(separator: "\n").suffix(2).joined(separator: " | ")
            throw TestFailure("""
                cannot install the tests' Python packages (\(requirements.path)) into \(venv.path): \
                is PyPI reachable from this machine? pip said: \(said)
                """)
        }
        try wanted.write(to: stamp, atomically: true, encoding: .utf8)
        return python
    }
}
