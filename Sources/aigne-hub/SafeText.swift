import Foundation
import HubCore

/// The one function every text the CLI prints from data goes through: model names and upstream
/// errors written by callers, names and reasons written by admins, anything a hub answered. A
/// character a terminal would act on (``TerminalSafety``) comes out as a visible escape, so data
/// can never set a window title, clear the screen, recolour or reorder what the operator reads.
enum SafeText {
    /// `text` for a terminal: tab, newline and CR as `\t`, `\n`, `\r`; other C0 characters and
    /// DEL as `\x1B`; C1 and the bidirectional and separator characters as `\u{202E}`.
    /// `keepNewlines` keeps the line breaks of text the CLI laid out itself (a table).
    static func escape(_ text: String, keepNewlines: Bool = false) -> String {
        guard !TerminalSafety.isPlain(text) else { return text }
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard TerminalSafety.isUnsafe(scalar), !(keepNewlines && scalar == "\n") else {
                escaped.append(scalar)
                continue
            }
            let visible = switch scalar {
            case "\t": "\\t"
            case "\n": "\\n"
            case "\r": "\\r"
            default: scalar.value < 0x80 ? String(format: "\\x%02X", scalar.value) : String(format: "\\u{%04X}", scalar.value)
            }
            escaped.append(contentsOf: visible.unicodeScalars)
        }
        return String(escaped)
    }

    /// JSON text with the same characters written as `\uXXXX` escapes: exactly the same JSON
    /// (they can only stand inside strings), but nothing in it acts on a terminal.
    /// (JSONEncoder already escapes C0; DEL, C1 and the bidirectional characters it leaves raw.)
    static func json(_ json: String) -> String {
        guard !TerminalSafety.isPlain(json) else { return json }
        var escaped = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            // Raw tab, newline and CR can only be whitespace between tokens: the encoder escapes them in strings.
            if TerminalSafety.isUnsafe(scalar), !["\t", "\n", "\r"].contains(scalar) {
                escaped.append(contentsOf: String(format: "\\u%04x", scalar.value).unicodeScalars)
            } else {
                escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}
