import Testing
@testable import HubConsole

@Suite struct ScreenModelTests {
    @Test func wideCharactersTakeTwoCellsAndContinuation() {
        var screen = ScreenModel(width: 10, height: 1)
        let end = screen.put("王a", x: 0, y: 0, style: .plain)
        #expect(end == 3)
        #expect(screen.cell(x: 0, y: 0) == Cell(text: "王", width: 2, style: .plain))
        #expect(screen.cell(x: 1, y: 0).isContinuation)
        #expect(screen.cell(x: 2, y: 0).text == "a")
        #expect(screen.row(0) == "王a       ")
    }

    @Test func aWideCharacterIsNeverSplitAtTheEdge() {
        var screen = ScreenModel(width: 5, height: 1)
        screen.put("ab王小", x: 0, y: 0, style: .plain)  // 小 would need columns 4-5
        #expect(screen.row(0) == "ab王 ")
        #expect(screen.cell(x: 4, y: 0).width == 1)
        var limited = ScreenModel(width: 10, height: 1)
        limited.put("王小明", x: 1, y: 0, style: .plain, limit: 3)
        #expect(limited.row(0) == " 王" + String(repeating: " ", count: 7))
    }

    @Test func overwritingHalfOfAWideCharacterBlanksTheOtherHalf() {
        var screen = ScreenModel(width: 4, height: 1)
        screen.put("王", x: 0, y: 0, style: .plain)
        screen.put("x", x: 1, y: 0, style: .plain)
        #expect(screen.row(0) == " x  ")
        screen.put("明", x: 2, y: 0, style: .plain)
        screen.put("y", x: 2, y: 0, style: .plain)
        #expect(screen.row(0) == " xy ")
    }

    @Test func padAndTruncateByDisplayWidth() {
        #expect(TextFit.pad("王小明", to: 8) == "王小明  ")
        #expect(TextFit.pad("王小明", to: 5) == "王小…")
        #expect(TextFit.pad("bob", to: 5, alignRight: true) == "  bob")
        #expect(TextFit.truncate("王小明", to: 4) == "王…")
        #expect(TextFit.truncateLeading("/tmp/data/hub.sqlite", to: 11) == "…hub.sqlite")
    }

    @Test func wrapBreaksAtSpacesAndInsideCJK() {
        #expect(ConsoleView.wrap("one two three", width: 7) == ["one two", "three"])
        #expect(ConsoleView.wrap("王小明王小明", width: 5) == ["王小", "明王", "小明"])
    }

    @Test func sparklineScalesToTheLargestValue() {
        #expect(Sparkline.render([0, 1, 2, 4], width: 6) == "  ▁▃▅█")
        #expect(Sparkline.render([1, 2, 3, 4, 5], width: 3) == "▅▇█")
        #expect(Sparkline.render([], width: 3) == "   ")
    }
}
