import Foundation
import Testing

/// The real `aigne-hub` binary in a real terminal (tmux): keys in with `send-keys`, the screen out
/// with `capture-pane`. Each test has its own tmux server (`-L`), killed at the end.
@Suite(.serialized) struct TmuxEndToEndTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let binary = packageRoot.appendingPathComponent(".build/debug/aigne-hub").path

    @Test func grantCreditsThroughTheUsersPaneThenCheckTheLedger() async throws {
        let hub = try CLIHub()
        defer { hub.remove() }
        let terminal = try Tmux(command: hub.consoleCommand)
        defer { terminal.kill() }
        try terminal.waitFor("mode: enterprise")
        try terminal.send("3")
        try terminal.waitFor("王小明")
        try terminal.send("G", "+")
        try terminal.waitFor("Grant credits to 王小明")
        try terminal.type("10")
        try terminal.send("Tab")
        try terminal.type("e2e top-up")
        try terminal.send("Enter")
        try terminal.waitFor("balance 25 → 35")
        #expect(try hub.cli("admin", "users", "ledger", "王小明").output.components(separatedBy: "\n").count == 3, "sent before confirming")
        try terminal.send("y")
        try terminal.waitFor("granted 10 credits to 王小明")
        let ledger = try hub.cli("admin", "users", "ledger", "王小明")
        #expect(ledger.status == 0)
        let newest = ledger.output.components(separatedBy: "\n")[1]
        #expect(newest.contains("grant") && newest.contains("10") && newest.contains("35") && newest.contains("e2e top-up"))
        try terminal.send("q")
        try terminal.waitFor("EXIT=0")
    }

    @Test func switchModeThroughThePreviewResizeAndQuit() async throws {
        let hub = try CLIHub()
        defer { hub.remove() }
        // A shipped theme by name: found from the binary in .build/debug without any environment.
        let terminal = try Tmux(command: hub.consoleCommand + " --theme solarized")
        defer { terminal.kill() }
        try terminal.waitFor("mode: enterprise")
        try terminal.send("m")
        try terminal.waitFor("Switch mode enterprise → service-provider?")
        #expect(try terminal.capture().contains("2 of 3 active users have a zero balance"))
        try terminal.type("service-provider")
        try terminal.send("Enter")
        try terminal.waitFor("mode: service-provider")
        #expect(try hub.cli("admin", "mode", "get").output.contains("service-provider"))

        try terminal.resize(width: 80, height: 24)
        let small = try terminal.waitFor("? help") { screen in
            let lines = screen.components(separatedBy: "\n")
            return lines.count >= 24 && lines[1].contains("[1 Mode]") && lines.allSatisfy { $0.count <= 80 }
        }
        #expect(small.contains("Service-provider settings"))
        try terminal.resize(width: 50, height: 12)
        try terminal.waitFor("terminal too small: need 60×15, have 50×12")
        try terminal.resize(width: 100, height: 30)
        try terminal.waitFor("[1 Mode]")
        try terminal.send("q")
        try terminal.waitFor("EXIT=0")
    }

    @Test func aBadThemeFailsBeforeTouchingTheTerminal() async throws {
        let hub = try CLIHub()
        defer { hub.remove() }
        let result = try hub.cli("console", "--theme", "no-such-theme")
        #expect(result.status == 1)
        #expect(result.errors.contains("no theme named 'no-such-theme'"))
        let notATerminal = try hub.cli("console")
        #expect(notATerminal.status == 1)
        #expect(notATerminal.errors == "aigne-hub: the console needs a terminal: standard input and output must be a tty\n")
    }
}

/// A hub made with the CLI: three users (one CJK), two providers, a rate.
struct CLIHub {
    let directory: String

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: TmuxEndToEndTests.binary) else {
            throw E2EError("\(TmuxEndToEndTests.binary) is missing: run `swift build` first")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("console-e2e-\(UUID().uuidString)").path
        for arguments in [["init"], ["admin", "users", "add", "王小明"], ["admin", "users", "add", "alice"], ["admin", "users", "add", "bob"],
                          ["admin", "users", "grant", "王小明", "25", "--reason", "welcome"],
                          ["admin", "providers", "add", "openai", "--kind", "openai-compatible", "--base-url", "https://api.openai.com/v1"],
                          ["admin", "rates", "set", "openai/gpt-4o", "--input", "5", "--output", "15"]] {
            let result = try cli(arguments)
            guard result.status == 0 else { throw E2EError("aigne-hub \(arguments.joined(separator: " ")): \(result.errors)") }
        }
    }

    var consoleCommand: String {
        "env LANG=C.UTF-8 TERM=tmux-256color '\(TmuxEndToEndTests.binary)' console --data-dir '\(directory)'"
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    func cli(_ arguments: String...) throws -> (status: Int32, output: String, errors: String) { try cli(arguments) }

    func cli(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        try run(TmuxEndToEndTests.binary, arguments + ["--data-dir", directory])
    }
}

struct E2EError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a program to completion with `posix_spawn` and `waitpid`. Output goes through temporary
/// files, not pipes: a tmux server forked by `new-session` inherits them and would hold a pipe open.
/// (Foundation's `Process.waitUntilExit` was seen to hang here with a reaped-late tmux client.)
@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)").path
    let outPath = base + ".out", errPath = base + ".err"
    defer {
        unlink(outPath)
        unlink(errPath)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    // Test threads block most signals; a child (the tmux server above all) must not inherit that mask.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
    guard spawned == 0 else { throw E2EError("cannot run \(executable): error \(spawned)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    let out = FileManager.default.contents(atPath: outPath) ?? Data()
    let err = FileManager.default.contents(atPath: errPath) ?? Data()
    return (exitCode, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

/// One detached tmux session on a private server (100x30 unless told otherwise).
struct Tmux {
    let server = "aigne-hub-test-\(UUID().uuidString.prefix(8))"
    static let tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }

    init(command: String, width: Int = 100, height: Int = 30) throws {
        guard Self.tmux != nil else { throw E2EError("tmux is not installed (apt-get install tmux)") }
        // The pane stays after the console exits so its exit status can be read.
        try tmux("new-session", "-d", "-s", "console", "-x", String(width), "-y", String(height),
                 "\(command); echo EXIT=$?; sleep 120")
    }

    @discardableResult
    private func tmux(_ arguments: String...) throws -> String {
        let result = try run(Self.tmux!, ["-L", server, "-f", "/dev/null"] + arguments)
        guard result.status == 0 else { throw E2EError("tmux \(arguments.joined(separator: " ")): \(result.errors)") }
        return result.output
    }

    func capture() throws -> String { try tmux("capture-pane", "-p", "-t", "console") }

    /// Named keys (`Enter`, `Tab`) or single characters.
    func send(_ keys: String...) throws { for key in keys { try tmux("send-keys", "-t", "console", key) } }

    func type(_ text: String) throws { try tmux("send-keys", "-t", "console", "-l", text) }

    func resize(width: Int, height: Int) throws {
        try tmux("resize-window", "-t", "console", "-x", String(width), "-y", String(height))
    }

    /// Polls the screen until it contains `text` (and satisfies `check`), for at most 10 seconds.
    @discardableResult
    func waitFor(_ text: String, timeout: Double = 10, check: (String) -> Bool = { _ in true }) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = try capture()
            if screen.contains(text), check(screen) { return screen }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw E2EError("the screen never showed '\(text)' within \(timeout) s; it shows:\n\(screen)")
    }

    func kill() { _ = try? run(Self.tmux!, ["-L", server, "kill-server"]) }
}
