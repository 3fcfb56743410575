import HubCore
import HubTestSupport
import Testing
@testable import HubConsole

@Suite struct ScreenModelTests {
    @Test func wideCharactersTakeTwoCellsAndContinuation() async {
        var screen = ScreenModel(width: 10, height: 1)
        let end = screen.put("王a", x: 0, y: 0, style: .plain)
        #expect(end == 3)
        #expect(screen.cell(x: 0, y: 0) == Cell(text: "王", width: 2, style: .plain))
        #expect(screen.cell(x: 1, y: 0).isContinuation)
        #expect(screen.cell(x: 2, y: 0).text == "a")
        #expect(screen.row(0) == "王a       ")
    }

    @Test func aWideCharacterIsNeverSplitAtTheEdge() async {
        var screen = ScreenModel(width: 5, height: 1)
        screen.put("ab王小", x: 0, y: 0, style: .plain)  // 小 would need columns 4-5
        #expect(screen.row(0) == "ab王 ")
        #expect(screen.cell(x: 4, y: 0).width == 1)
        var limited = ScreenModel(width: 10, height: 1)
        limited.put("王小明", x: 1, y: 0, style: .plain, limit: 3)
        #expect(limited.row(0) == " 王" + String(repeating: " ", count: 7))
    }

    @Test func overwritingHalfOfAWideCharacterBlanksTheOtherHalf() async {
        var screen = ScreenModel(width: 4, height: 1)
        screen.put("王", x: 0, y: 0, style: .plain)
        screen.put("x", x: 1, y: 0, style: .plain)
        #expect(screen.row(0) == " x  ")
        screen.put("明", x: 2, y: 0, style: .plain)
        screen.put("y", x: 2, y: 0, style: .plain)
        #expect(screen.row(0) == " xy ")
    }

    @Test func padAndTruncateByDisplayWidth() async {
        #expect(TextFit.pad("王小明", to: 8) == "王小明  ")
        #expect(TextFit.pad("王小明", to: 5) == "王小…")
        #expect(TextFit.pad("bob", to: 5, alignRight: true) == "  bob")
        #expect(TextFit.truncate("王小明", to: 4) == "王…")
        #expect(TextFit.truncateLeading("/tmp/data/hub.sqlite", to: 11) == "…hub.sqlite")
    }

    @Test func wrapBreaksAtSpacesAndInsideCJK() async {
        #expect(ConsoleView.wrap("one two three", width: 7) == ["one two", "three"])
        #expect(ConsoleView.wrap("王小明王小明", width: 5) == ["王小", "明王", "小明"])
    }

    @Test func sparklineScalesToTheLargestValue() async {
        #expect(Sparkline.render([0, 1, 2, 4], width: 6) == "  ▁▃▅█")
        #expect(Sparkline.render([1, 2, 3, 4, 5], width: 3) == "▅▇█")
        #expect(Sparkline.render([], width: 3) == "   ")
    }
}

/// Overlays (dialogs, selection bars, filled bars) drawn over wide characters at every alignment: the
/// model never holds half a character, and the runs the terminal layer paints cover exactly the row.
@Suite struct ScreenModelOverlayTests {
    /// Every continuation cell follows its character, every wide character has its continuation, and a
    /// character has one style.
    static func wholeCharacters(_ screen: ScreenModel) -> String? {
        for y in 0..<screen.height {
            for x in 0..<screen.width {
                let cell = screen.cell(x: x, y: y)
                if cell.isContinuation {
                    guard x > 0, screen.cell(x: x - 1, y: y).width == 2 else { return "orphan continuation at (\(x), \(y))" }
                    guard screen.cell(x: x - 1, y: y).style == cell.style else { return "two styles in one character at (\(x - 1), \(y))" }
                }
                if cell.width == 2, !(x + 1 < screen.width && screen.cell(x: x + 1, y: y).isContinuation) {
                    return "'\(cell.text)' at (\(x), \(y)) has no continuation cell"
                }
            }
            let runs = screen.runs(y)
            let covered = runs.reduce(0) { $0 + DisplayWidth.of($1.text) }
            guard covered == screen.width else { return "row \(y): runs cover \(covered) of \(screen.width) columns" }
            for (run, next) in zip(runs, runs.dropFirst()) where run.x + DisplayWidth.of(run.text) != next.x {
                return "row \(y): a run at \(run.x) ends where the next (at \(next.x)) does not start"
            }
            guard runs.map(\.text).joined() == screen.row(y) else { return "row \(y): runs say '\(runs.map(\.text).joined())'" }
        }
        return nil
    }

    @Test func aDialogBoxOverCJKRowsAtBothAlignmentsLeavesWholeCharacters() async {
        for offset in 0..<2 {
            var screen = ScreenModel(width: 20, height: 4)
            for y in 0..<4 { screen.put(String(repeating: " ", count: offset) + "佐藤花子佐藤花子佐藤花子", x: 0, y: y, style: .plain) }
            // A box whose both edges fall on wide characters (one half inside, one outside).
            Drawing.box(Rect(x: 3, y: 0, width: 12, height: 4), title: "鈴木", on: &screen, theme: .builtinDefault)
            #expect(Self.wholeCharacters(screen) == nil, "offset \(offset)")
            #expect(screen.row(1).hasPrefix(offset == 0 ? "佐 │" : " 佐│"), "offset \(offset): \(screen.row(1))")
        }
    }

    @Test func aWideCharacterOverAWideCharacterAtTheSameColumnStays() async {
        var screen = ScreenModel(width: 6, height: 1)
        screen.put("佐藤花", x: 0, y: 0, style: .plain)
        screen.put("金額", x: 0, y: 0, style: .plain)
        #expect(screen.row(0) == "金額花")
        #expect(Self.wholeCharacters(screen) == nil)
    }

    @Test func restylingHalfAWideCharacterRestylesAllOfIt() async {
        var screen = ScreenModel(width: 6, height: 1)
        screen.put("佐藤花", x: 0, y: 0, style: .plain)
        screen.restyle(Rect(x: 1, y: 0, width: 2, height: 1)) { $0.reverse = true }
        #expect((0..<4).allSatisfy { screen.cell(x: $0, y: 0).style.reverse })
        #expect(!screen.cell(x: 4, y: 0).style.reverse)
        #expect(Self.wholeCharacters(screen) == nil)
    }

    @Test func randomOverlaysNeverLeaveHalfACharacter() async {
        let seed = UInt64.random(in: 0...UInt64.max)
        var random = SplitMix64(seed: seed)
        let texts = ["佐藤花子", "a佐藤", "│", "ab", "王小明 bob", "┌──┐", "金額 amount", "😀x", " "]
        let styles: [Style] = [.plain, Style(bold: true), Style(reverse: true), Style(dim: true)]
        for round in 0..<300 {
            var screen = ScreenModel(width: 13, height: 3)
            for _ in 0..<12 {
                let x = Int.random(in: -2...14, using: &random), y = Int.random(in: 0...2, using: &random)
                let style = styles.randomElement(using: &random)!
                switch Int.random(in: 0...3, using: &random) {
                case 0: screen.fill(Rect(x: x, y: y, width: Int.random(in: 0...8, using: &random), height: 2), style: style)
                case 1: screen.restyle(Rect(x: x, y: y, width: Int.random(in: 0...8, using: &random), height: 1)) { $0 = style }
                default:
                    screen.put(texts.randomElement(using: &random)!, x: x, y: y, style: style,
                               limit: Bool.random(using: &random) ? Int.random(in: 0...6, using: &random) : nil)
                }
                if let problem = Self.wholeCharacters(screen) {
                    Issue.record("seed \(seed), round \(round): \(problem)\n\(screen.text)")
                    return
                }
            }
        }
    }
}
