/// A one-line text input; masked fields show `*` for each character (secrets are never echoed).
public struct TextField: Sendable, Equatable {
    public var text: String
    public var masked: Bool

    public init(_ text: String = "", masked: Bool = false) {
        self.text = text
        self.masked = masked
    }

    /// What the screen shows.
    public var display: String { masked ? String(repeating: "*", count: text.count) : text }

    /// Applies an editing key; false when the key is not an editing key.
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .character(let c):
            text.append(c)
        case .backspace, .delete:
            if !text.isEmpty { text.removeLast() }
        case .ctrl("u"):
            text = ""
        default:
            return false
        }
        return true
    }
}
