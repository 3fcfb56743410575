/// What the terminal can show; theme colours are fitted to it, down to mono (attributes only).
public enum ColorDepth: Sendable, Equatable {
    case mono, eight, sixteen, indexed256

    init(colors: Int) {
        switch colors {
        case 256...: self = .indexed256
        case 16...: self = .sixteen
        case 8...: self = .eight
        default: self = .mono
        }
    }

    /// The curses colour number for `color` at this depth (-1: the terminal's default).
    public func fit(_ color: TermColor) -> Int32 {
        switch color {
        case .terminalDefault: return -1
        case .indexed(let n):
            if self == .indexed256 || n < limit { return Int32(n) }
            return nearest(Palette256.rgb(of: n))
        case .rgb(let r, let g, let b):
            if self == .indexed256 { return Int32(Palette256.nearestIndex(r, g, b)) }
            return nearest((r, g, b))
        }
    }

    private var limit: Int {
        switch self {
        case .mono: 0
        case .eight: 8
        case .sixteen: 16
        case .indexed256: 256
        }
    }

    private func nearest(_ rgb: (UInt8, UInt8, UInt8)) -> Int32 {
        guard limit > 0 else { return -1 }
        return Int32(Palette256.nearest(rgb, among: 0..<limit))
    }
}

/// The xterm 256-colour palette, for fitting colours to smaller palettes.
enum Palette256 {
    private static let ansi: [(UInt8, UInt8, UInt8)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]
    private static let steps: [UInt8] = [0, 95, 135, 175, 215, 255]

    static func rgb(of index: Int) -> (UInt8, UInt8, UInt8) {
        switch index {
        case 0..<16: return ansi[index]
        case 16..<232:
            let n = index - 16
            return (steps[n / 36], steps[(n / 6) % 6], steps[n % 6])
        default:
            let level = UInt8(8 + (index - 232) * 10)
            return (level, level, level)
        }
    }

    static func nearest(_ rgb: (UInt8, UInt8, UInt8), among range: Range<Int>) -> Int {
        range.min { distance(Self.rgb(of: $0), rgb) < distance(Self.rgb(of: $1), rgb) }!
    }

    /// The nearest of the 240 non-ANSI colours (whose values do not depend on the terminal's palette).
    static func nearestIndex(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int { nearest((r, g, b), among: 16..<256) }

    private static func distance(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Int {
        let dr = Int(a.0) - Int(b.0), dg = Int(a.1) - Int(b.1), db = Int(a.2) - Int(b.2)
        return dr * dr * 3 + dg * dg * 4 + db * db * 2
    }
}
