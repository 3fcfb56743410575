/// A one-line chart of the last values, scaled to the largest one shown.
enum Sparkline {
    private static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// The last `width` values as block characters; a blank row when there is nothing yet.
    static func render(_ values: [Double], width: Int) -> String {
        guard width > 0 else { return "" }
        let shown = values.suffix(width)
        let top = shown.max() ?? 0
        let bars = shown.map { value -> Character in
            guard top > 0, value > 0 else { return levels[0] }
            return levels[min(levels.count - 1, Int((value / top) * Double(levels.count - 1) + 0.5))]
        }
        return String(repeating: " ", count: width - bars.count) + String(bars)
    }
}
