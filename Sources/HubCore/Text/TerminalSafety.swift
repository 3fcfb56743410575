import Foundation

/// The characters a terminal acts on instead of showing: C0 controls (tab and newline included),
/// DEL, C1 controls, the bidirectional formatting characters (marks, embeddings, overrides,
/// isolates) and the Unicode line and paragraph separators. A model name holding ESC can set the
/// operator's window title or clear the screen; one holding U+202E shows its text reversed.
///
/// Admin input refuses them (``Validate/plainText(_:_:)``); whatever prints data that others
/// wrote (the CLI, the console) escapes or drops them.
public enum TerminalSafety {
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true              // C0, DEL, C1
        case 0x061C, 0x200E, 0x200F: true                 // Arabic letter mark, LRM, RLM
        case 0x202A...0x202E, 0x2066...0x2069: true       // embeddings and overrides, isolates
        case 0x2028, 0x2029: true                         // line and paragraph separators
        default: false
        }
    }

    /// True when `text` holds none of these characters.
    public static func isPlain(_ text: String) -> Bool { !text.unicodeScalars.contains(where: isUnsafe) }

    /// What kind of character `scalar` is, for error messages: "U+001B (a control character)".
    public static func describe(_ scalar: Unicode.Scalar) -> String {
        let code = String(format: "U+%04X", scalar.value)
        let kind = switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: "a control character"
        case 0x2028, 0x2029: "a line separator"
        default: "a bidirectional formatting character"
        }
        return "\(code) (\(kind))"
    }
}

extension Validate {
    /// Refuses admin text that has no business holding characters a terminal would act on
    /// (names, emails, reasons, URLs, display names), naming the first one found. The one check
    /// every admin method that stores such text calls, so the socket and the database refuse alike.
    static func plainText(_ text: String, _ what: String) throws(HubError) {
        guard let bad = text.unicodeScalars.first(where: TerminalSafety.isUnsafe) else { return }
        throw HubError.invalid("\(what) holds \(TerminalSafety.describe(bad)): only plain text is allowed")
    }
}
