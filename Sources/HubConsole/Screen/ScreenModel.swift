import HubCore

/// One terminal cell. A wide character occupies its cell (width 2) and the next one, which is a
/// continuation cell (width 0, no text) so that columns stay addressable.
public struct Cell: Sendable, Hashable {
    public var text: String
    public var width: Int
    public var style: Style

    public static let blank = Cell(text: " ", width: 1, style: .plain)
    public var isContinuation: Bool { width == 0 }
}

/// The screen as a grid of cells: the UI draws here, ncurses only paints it, and tests read it.
public struct ScreenModel: Sendable, Equatable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int, fill: Style = .plain) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(text: " ", width: 1, style: fill), count: self.width * self.height)
    }

    public func cell(x: Int, y: Int) -> Cell { cells[y * width + x] }

    /// The text of row `y` as a terminal would show it (continuation cells contribute nothing).
    public func row(_ y: Int) -> String {
        cells[(y * width)..<((y + 1) * width)].reduce(into: "") { $0 += $1.text }
    }

    /// Every row, trailing spaces removed: what `tmux capture-pane -p` would print.
    public var text: String {
        (0..<height).map { String(row($0).reversed().drop { $0 == " " }.reversed()) }.joined(separator: "\n")
    }

    /// Fills a rectangle with blanks of `style`. A wide character cut by the rectangle's edge loses its
    /// outside half too (a blank in that half's style), so no half of a character is left behind.
    public mutating func fill(_ rect: Rect, style: Style) {
        let clipped = rect.intersection(Rect(x: 0, y: 0, width: width, height: height))
        guard clipped.width > 0 else { return }
        for y in clipped.y..<clipped.maxY {
            detach(x: clipped.x, count: clipped.width, y: y)
            for x in clipped.x..<clipped.maxX { cells[y * width + x] = Cell(text: " ", width: 1, style: style) }
        }
    }

    /// Writes `text` at (x, y), clipped to `limit` columns (default: the row's end). A wide character
    /// that would straddle the limit is replaced by a space; nothing is ever half-drawn. Returns the
    /// column after the last one written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style, limit: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let end = min(width, limit.map { x + $0 } ?? width)
        var column = x
        for character in text {
            let w = DisplayWidth.of(character)
            if w == 0 { continue }
            if column + w > end {
                if column >= 0, column < end { set(x: column, y: y, Cell(text: " ", width: 1, style: style)) }
                return column + 1
            }
            if column >= 0 {
                set(x: column, y: y, Cell(text: String(character), width: w, style: style))
            } else if column + w > 0 {  // a wide character cut by the left edge: its visible half is a blank
                set(x: 0, y: y, Cell(text: " ", width: 1, style: style))
            }
            column += w
        }
        return column
    }

    /// Restyles the cells of a rectangle, keeping their text (selection bars, highlights). A wide
    /// character half inside is restyled whole: a character never has two styles.
    public mutating func restyle(_ rect: Rect, _ change: (inout Style) -> Void) {
        let clipped = rect.intersection(Rect(x: 0, y: 0, width: width, height: height))
        guard clipped.width > 0 else { return }
        for y in clipped.y..<clipped.maxY {
            var first = clipped.x, last = clipped.maxX - 1
            if cells[y * width + first].isContinuation, first > 0 { first -= 1 }
            if cells[y * width + last].width == 2, last + 1 < width { last += 1 }
            for x in first...last { change(&cells[y * width + x].style) }
        }
    }

    /// Writes one character (a wide one with its continuation cell), first breaking any wide
    /// character it half covers.
    private mutating func set(x: Int, y: Int, _ cell: Cell) {
        let count = cell.width == 2 && x + 1 < width ? 2 : 1
        detach(x: x, count: count, y: y)
        cells[y * width + x] = cell
        if count == 2 { cells[y * width + x + 1] = Cell(text: "", width: 0, style: cell.style) }
    }

    /// Prepares columns `x..<x+count` of row `y` to be overwritten: a wide character with one half
    /// inside and one outside has its outside half blanked (keeping that cell's style). Cells inside
    /// are left to the caller, which overwrites them all.
    private mutating func detach(x: Int, count: Int, y: Int) {
        let row = y * width, last = x + count - 1
        if x > 0, cells[row + x].isContinuation {
            cells[row + x - 1] = Cell(text: " ", width: 1, style: cells[row + x - 1].style)
        }
        if last + 1 < width, cells[row + last].width == 2 {
            cells[row + last + 1] = Cell(text: " ", width: 1, style: cells[row + last + 1].style)
        }
    }
}

extension ScreenModel {
    /// Text of one style, as the terminal layer draws it.
    public struct Run: Sendable, Equatable {
        public var x: Int
        public var style: Style
        public var text: String
    }

    /// Row `y` as runs of one style. A run is a whole number of characters: a wide character and its
    /// continuation cell always go out together, so each run's text covers exactly its columns (a
    /// continuation cell without its character, which the model never holds, goes out as a blank).
    public func runs(_ y: Int) -> [Run] {
        var runs: [Run] = []
        var x = 0
        while x < width {
            var run = Run(x: x, style: cell(x: x, y: y).style, text: "")
            while x < width, cell(x: x, y: y).style == run.style {
                let current = cell(x: x, y: y)
                let whole = current.width == 2 && x + 1 < width && cell(x: x + 1, y: y).isContinuation
                run.text += whole || current.width == 1 ? current.text : " "
                x += whole ? 2 : 1
            }
            runs.append(run)
        }
        return runs
    }
}

/// A rectangle of cells.
public struct Rect: Sendable, Hashable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height)
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }

    public func intersection(_ other: Rect) -> Rect {
        let x0 = max(x, other.x), y0 = max(y, other.y)
        let x1 = min(maxX, other.maxX), y1 = min(maxY, other.maxY)
        return x1 > x0 && y1 > y0 ? Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0) : Rect(x: x0, y: y0, width: 0, height: 0)
    }

    /// The rectangle without `n` cells on each side.
    public func inset(_ n: Int) -> Rect { Rect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n) }

    /// A centred rectangle of at most the given size.
    public func centered(width w: Int, height h: Int) -> Rect {
        let w = min(w, width), h = min(h, height)
        return Rect(x: x + (width - w) / 2, y: y + (height - h) / 2, width: w, height: h)
    }
}
