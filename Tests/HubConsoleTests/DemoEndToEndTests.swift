import Foundation
import Testing

/// `aigne-hub demo`, the README's "run it" command, in a real terminal: it must come up with live
/// traffic flowing through the hub, and leave nothing behind when the console quits.
@Suite(.serialized) struct DemoEndToEndTests {
    @Test func theDemoShowsLiveTrafficAndCleansUpOnQuit() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("demo-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let command = "env TMPDIR=\(scratch.path) LANG=C.UTF-8 TERM=tmux-256color \(TmuxEndToEndTests.binary) demo"
        let terminal = try Tmux(command: command)
        defer { terminal.kill() }

        try terminal.waitFor("mode: service-provider", timeout: 30)
        let made = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
        #expect(made.contains { $0.hasPrefix("aigne-hub-demo-") }, "the demo works in a data directory of its own")
        #expect(try terminal.capture().contains("● hub"), "the console is attached to the running hub's admin socket")

        try terminal.send("5")
        // Real calls through the hub: a successful one, metered and charged, shows in the tail.
        try terminal.waitFor("✓ 200", timeout: 30)
        try terminal.send("3")
        try terminal.waitFor("王小明")

        // Provider health fills under the traffic: the Providers pane's error rate and latency, and the
        // demo's flaky credential (it answers 503 and fails over) with its failures.
        try terminal.send("2")
        let percent = try Regex(#"\d+\.\d% +\d+ ms"#)
        try terminal.waitFor("deepseek", timeout: 30) { $0.contains(percent) }
        try terminal.send("/")
        try terminal.type("deepseek")
        try terminal.send("Enter")
        try terminal.send("Enter")
        let failing = try Regex(#"flaky .* [1-9]\d*\.\d%"#)
        try terminal.waitFor("flaky", timeout: 30) { $0.contains(failing) }
        try terminal.send("Escape", "Escape")  // back from the credentials, then the filter
        try terminal.waitFor("updated", timeout: 10) { !$0.contains("/deepseek") }

        try terminal.send("q")
        try terminal.waitFor("EXIT=0", timeout: 20)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty, "quitting removes what the demo made")
    }
}

extension DemoEndToEndTests {
    /// Quitting while clients keep opening connections to the hub: the servers shut down gracefully,
    /// as on SIGTERM. (Cancelled instead, a connection accepted but not yet taken up trapped in NIO
    /// and the demo died with a crash report in place of its exit.)
    @Test func quittingWhileClientsKeepConnectingExitsCleanly() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("demo-quit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let port = try freeLoopbackPort()
        let terminal = try Tmux(command: "env SWIFT_BACKTRACE=enable=no TMPDIR=\(scratch.path) LANG=C.UTF-8 TERM=tmux-256color "
                                + "\(TmuxEndToEndTests.binary) demo --port \(port)")
        defer { terminal.kill() }
        try terminal.waitFor("mode: service-provider", timeout: 30)

        // Eight clients, each opening a connection after another (pausing once the hub is gone).
        let clients = Process()
        clients.executableURL = URL(fileURLWithPath: "/bin/sh")
        clients.arguments = ["-c", """
            for i in 1 2 3 4 5 6 7 8; do
              ( while :; do curl -s -o /dev/null -m 2 http://127.0.0.1:\(port)/v1/models || sleep 0.1; done ) &
            done
            wait
            """]
        clients.standardOutput = FileHandle.nullDevice
        clients.standardError = FileHandle.nullDevice
        try clients.run()
        defer { clients.terminate(); _ = try? run("/usr/bin/pkill", ["-f", "127.0.0.1:\(port)/v1/models"]) }

        try terminal.send("q")
        try terminal.waitFor("EXIT=", timeout: 20)
        let screen = try terminal.capture()
        #expect(screen.contains("EXIT=0"), "\(screen)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty, "quitting removes what the demo made")
    }
}
