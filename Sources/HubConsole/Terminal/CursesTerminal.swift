@preconcurrency import CNCurses
import CNCursesShim
import Foundation
import HubCore

/// The only code that talks to ncurses: paints a ``ScreenModel`` (rows that changed since the last
/// frame, one `doupdate`) and reads keys. Not thread-safe: use it from the one UI thread.
final class CursesTerminal {
    private var painted: ScreenModel?
    private var pairs: [ColorPairKey: Int32] = [:]
    private(set) var depth: ColorDepth
    private var started = false

    private struct ColorPairKey: Hashable { var fg: Int32; var bg: Int32 }

    /// Starts curses; fails when the terminal cannot be used (bad TERM, not a tty).
    init(forceMono: Bool) throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw ConsoleError("the console needs a terminal: standard input and output must be a tty")
        }
        if setlocale(LC_ALL, "") == nil || !Self.localeIsUTF8 { setlocale(LC_ALL, "C.UTF-8") }
        guard hubcurses_start() == 0 else {
            throw ConsoleError("cannot start the terminal: TERM=\(ProcessInfo.processInfo.environment["TERM"] ?? "unset") is unknown or this is not a terminal")
        }
        started = true
        depth = forceMono ? .mono : ColorDepth(colors: Int(hubcurses_colors()))
    }

    deinit { stop() }

    func stop() {
        guard started else { return }
        started = false
        hubcurses_stop()
    }

    private static var localeIsUTF8: Bool {
        guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
        return String(cString: codeset).uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
    }

    var size: (width: Int, height: Int) { (Int(hubcurses_cols()), Int(hubcurses_lines())) }

    /// Forgets what is on screen so the next frame repaints everything.
    func invalidate() {
        painted = nil
        hubcurses_clear()
    }

    /// Paints the rows of `model` that differ from the last frame, then one `doupdate`.
    func paint(_ model: ScreenModel) {
        let previous = painted.flatMap { $0.width == model.width && $0.height == model.height ? $0 : nil }
        if previous == nil { hubcurses_clear() }
        for y in 0..<model.height {
            let start = y * model.width, end = start + model.width
            if let previous, previous.cells[start..<end] == model.cells[start..<end] { continue }
            paintRow(model, y: y)
        }
        painted = model
        hubcurses_update()
    }

    private func paintRow(_ model: ScreenModel, y: Int) {
        for run in model.runs(y) {
            var text = run.text
            // The bottom-right cell cannot be written without scrolling: leave it out.
            if y == model.height - 1, run.x + DisplayWidth.of(text) == model.width, text.last == " " { text.removeLast() }
            draw(text, x: run.x, y: y, style: run.style)
        }
    }

    private func draw(_ text: String, x: Int, y: Int, style: Style) {
        let pair = pairNumber(style)
        text.withCString { hubcurses_draw(Int32(y), Int32(x), $0, style.bold, style.dim, style.reverse, style.underline, pair) }
    }

    private func pairNumber(_ style: Style) -> Int32 {
        guard depth != .mono else { return 0 }
        let key = ColorPairKey(fg: depth.fit(style.foreground), bg: depth.fit(style.background))
        if key.fg == -1, key.bg == -1 { return 0 }
        if let pair = pairs[key] { return pair }
        let next = Int32(pairs.count + 1)
        guard next < hubcurses_color_pairs(), hubcurses_init_pair(next, key.fg, key.bg) == 0 else { return 0 }
        pairs[key] = next
        return next
    }

    /// The next key, or nil when `timeoutMs` passed without one.
    func readKey(timeoutMs: Int) -> Key? {
        var isFunction = false
        let code = hubcurses_read(Int32(timeoutMs), &isFunction)
        if code < 0 { return nil }
        return isFunction ? Self.functionKey(code) : Self.characterKey(code)
    }

    private static func characterKey(_ code: Int32) -> Key? {
        switch code {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(code) + 96)))
        default: return Unicode.Scalar(UInt32(code)).map { .character(Character($0)) }
        }
    }

    private static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_BTAB: return .backTab
        case KEY_RESIZE: return .resize
        default:
            for n in 1...12 where code == hubcurses_key_f(Int32(n)) { return .function(n) }
            return nil
        }
    }
}
