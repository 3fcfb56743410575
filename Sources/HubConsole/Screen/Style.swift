/// A terminal colour as a theme names it, before it is fitted to what the terminal can show.
public enum TermColor: Sendable, Hashable {
    /// The terminal's own foreground or background (transparency).
    case terminalDefault
    /// One of the 256 indexed colours; 0-15 are the ANSI colours of the terminal's palette.
    case indexed(Int)
    /// A 24-bit colour, shown as the nearest indexed colour.
    case rgb(UInt8, UInt8, UInt8)
}

/// How a cell looks: colours plus attributes. Attributes carry meaning on mono terminals.
public struct Style: Sendable, Hashable {
    public var foreground: TermColor
    public var background: TermColor
    public var bold: Bool
    public var dim: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(foreground: TermColor = .terminalDefault, background: TermColor = .terminalDefault,
                bold: Bool = false, dim: Bool = false, reverse: Bool = false, underline: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
    }

    public static let plain = Style()
}
