import HubCore

/// Small drawing helpers shared by widgets and panes.
enum Drawing {
    /// A box of line-drawing characters (drawn as text, so tmux and every TERM show them).
    static func box(_ rect: Rect, title: String?, on screen: inout ScreenModel, theme: Theme) {
        guard rect.width >= 4, rect.height >= 2 else { return }
        let border = theme[.border]
        screen.fill(rect, style: theme[.dialog])
        let horizontal = String(repeating: "─", count: rect.width - 2)
        screen.put("┌" + horizontal + "┐", x: rect.x, y: rect.y, style: border)
        screen.put("└" + horizontal + "┘", x: rect.x, y: rect.maxY - 1, style: border)
        for y in (rect.y + 1)..<(rect.maxY - 1) {
            screen.put("│", x: rect.x, y: y, style: border)
            screen.put("│", x: rect.maxX - 1, y: y, style: border)
        }
        if let title {
            screen.put(" " + TextFit.truncate(title, to: rect.width - 6) + " ", x: rect.x + 2, y: rect.y, style: theme[.dialogTitle], limit: rect.width - 4)
        }
    }

    /// A section heading: the text, then a rule to the edge.
    static func heading(_ text: String, x: Int, y: Int, width: Int, on screen: inout ScreenModel, theme: Theme) {
        let end = screen.put(text, x: x, y: y, style: theme[.tableHeader], limit: width)
        if end + 1 < x + width {
            screen.put(String(repeating: "─", count: x + width - end - 1), x: end + 1, y: y, style: theme[.border])
        }
    }

    /// Key hints: the key in `footer.key`, its meaning in `footer`, until `width` runs out.
    static func hints(_ hints: [(key: String, text: String)], x: Int, y: Int, width: Int, on screen: inout ScreenModel, theme: Theme) {
        var column = x
        for hint in hints {
            let needed = DisplayWidth.of(hint.key) + 1 + DisplayWidth.of(hint.text) + 2
            guard column + needed <= x + width else { break }
            column = screen.put(hint.key, x: column, y: y, style: theme[.footerKey])
            column = screen.put(" " + hint.text + "  ", x: column, y: y, style: theme[.footer])
        }
    }
}

