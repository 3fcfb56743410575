import HubCore

/// Padding and truncation by display width (CJK = 2 columns), never by `String.count`.
public enum TextFit {
    /// `text` cut to at most `width` columns; a cut ends with `…`.
    public static func truncate(_ text: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        if DisplayWidth.of(text) <= width { return text }
        var result = ""
        var used = 0
        for character in text {
            let w = DisplayWidth.of(character)
            if used + w > width - 1 { break }
            result.append(character)
            used += w
        }
        return result + "…"
    }

    /// `text` truncated and padded with spaces to exactly `width` columns.
    public static func pad(_ text: String, to width: Int, alignRight: Bool = false) -> String {
        let cut = truncate(text, to: width)
        let fill = String(repeating: " ", count: max(0, width - DisplayWidth.of(cut)))
        return alignRight ? fill + cut : cut + fill
    }
}

extension TextFit {
    /// `text` cut from the front to at most `width` columns (`…/data/hub.sqlite`): paths keep their end.
    public static func truncateLeading(_ text: String, to width: Int) -> String {
        guard DisplayWidth.of(text) > width, width > 1 else { return text }
        var result = ""
        var used = 0
        for character in text.reversed() {
            let w = DisplayWidth.of(character)
            if used + w > width - 1 { break }
            result.insert(character, at: result.startIndex)
            used += w
        }
        return "…" + result
    }
}
