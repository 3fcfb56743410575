import Foundation
import Testing

/// Dialogs opened and closed over rows of CJK names in a real 80x24 terminal (tmux): after every step
/// the terminal shows exactly the console's screen model (which the console writes to
/// `AIGNE_HUB_CONSOLE_SCREEN_FILE` after each frame). Names of both parities put the dialogs' edges on
/// both halves of wide characters; the selection bar sits on one of those rows.
@Suite(.serialized) struct OverlayTmuxTests {
    /// Long names (both parities: an ASCII letter shifts the wide characters by one column), sorted by
    /// name they fill rows 5-14 of the Users pane, under every dialog.
    static let names = ["佐藤花子鈴木一郎高橋", "吳a美玲子花子美玲子", "張a小明大明小明大明", "李美玲美玲美玲美玲美",
                        "林a志明志明志明志明", "鈴木一郎鈴木一郎鈴木", "陳a怡君怡君怡君怡君", "高橋美咲高橋美咲高橋",
                        "黃a淑芬淑芬淑芬淑芬"]

    @Test(arguments: ["en", "zh-TW"])
    func dialogsOverCJKRowsLeaveTheTerminalEqualToTheModel(language: String) async throws {
        let hub = try CLIHub()
        defer { hub.remove() }
        for name in Self.names {
            let added = try hub.cli("admin", "users", "add", name, "--email", "\(name)@例え.jp")
            try #require(added.status == 0, "\(added.errors)")
        }
        let screenFile = hub.directory + "/screen.txt"
        let terminal = try Tmux(command: "env AIGNE_HUB_CONSOLE_SCREEN_FILE='\(screenFile)' " + hub.consoleCommand + " --lang \(language)",
                                width: 80, height: 24)
        defer { terminal.kill() }
        let zh = language == "zh-TW"
        try terminal.waitFor(zh ? "模式" : "mode: enterprise")
        try terminal.send("3")
        try terminal.waitFor("黃a淑芬")
        try terminal.send("j", "j", "j", "j", "j", "j")  // the selection bar on 林a志明…, a row under the dialogs
        try expectTerminalShowsModel(terminal, screenFile, "the Users pane", dialog: false)

        try terminal.send("+")
        try terminal.waitFor("Esc")
        try expectTerminalShowsModel(terminal, screenFile, "the grant form open", dialog: true)
        try terminal.send("Escape")
        try expectTerminalShowsModel(terminal, screenFile, "the grant form closed", dialog: false)

        try terminal.send("+")
        try terminal.type("10")
        try terminal.send("Tab")
        try terminal.type(zh ? "補發點數" : "top-up")
        try terminal.send("Enter")
        try terminal.waitFor("→ 10")
        try expectTerminalShowsModel(terminal, screenFile, "the grant confirmation open", dialog: true)
        try terminal.send("n")
        try expectTerminalShowsModel(terminal, screenFile, "the grant confirmation cancelled", dialog: false)

        try terminal.send("?")
        try terminal.waitFor(zh ? "按鍵：" : "Keys: ")
        try expectTerminalShowsModel(terminal, screenFile, "help open", dialog: true)
        try terminal.send("Escape")
        try expectTerminalShowsModel(terminal, screenFile, "help closed", dialog: false)
        try terminal.send("q")
        try terminal.waitFor("EXIT=0")
    }

    /// Polls (5 s at most) until the console painted a frame with (or without) a dialog and the captured
    /// terminal equals it.
    private func expectTerminalShowsModel(_ terminal: Tmux, _ screenFile: String, _ step: String, dialog: Bool,
                                          sourceLocation: SourceLocation = #_sourceLocation) throws {
        func lines(_ text: String) -> [String] {
            var lines = text.components(separatedBy: "\n").map { String($0.reversed().drop { $0 == " " }.reversed()) }
            while lines.last?.isEmpty == true { lines.removeLast() }
            return lines
        }
        let deadline = Date().addingTimeInterval(5)
        var shown: [String] = [], model: [String] = []
        repeat {
            Thread.sleep(forTimeInterval: 0.1)
            model = lines((try? String(contentsOfFile: screenFile, encoding: .utf8)) ?? "")
            shown = lines(try terminal.capture())
            if !model.isEmpty, model.joined().contains("┌") == dialog, shown == model { return }
        } while Date() < deadline
        let differing = (0..<max(shown.count, model.count)).filter { (shown.indices.contains($0) ? shown[$0] : nil) != (model.indices.contains($0) ? model[$0] : nil) }
        let report = differing.prefix(6).map { row in
            "row \(row)\n  terminal: \(shown.indices.contains(row) ? shown[row] : "—")\n  model:    \(model.indices.contains(row) ? model[row] : "—")"
        }.joined(separator: "\n")
        Issue.record("after \(step), the terminal differs from the screen model in \(differing.count) rows:\n\(report)",
                     sourceLocation: sourceLocation)
    }
}
