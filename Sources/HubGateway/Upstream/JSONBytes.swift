/// Small byte-level edits and look-ups on JSON text, for the hot path where decoding and
/// re-encoding a whole body would cost more than the rest of the request.
enum JSONBytes {
    /// The bytes of the object that follows the top-level-looking key `key` (the last occurrence),
    /// e.g. the `{...}` after `"usage":`. Nil when the key is absent or not followed by an object.
    static func object(after key: String, in bytes: some Collection<UInt8>) -> [UInt8]? {
        let text = Array(bytes)
        let needle = Array("\"\(key)\"".utf8)
        guard let keyStart = lastIndex(of: needle, in: text) else { return nil }
        var index = keyStart + needle.count
        while index < text.count, text[index] == UInt8(ascii: " ") || text[index] == UInt8(ascii: ":") { index += 1 }
        guard index < text.count, text[index] == UInt8(ascii: "{") else { return nil }
        var depth = 0
        var inString = false
        var escaped = false
        for position in index..<text.count {
            let byte = text[position]
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 { return Array(text[index...position]) }
            default: break
            }
        }
        return nil
    }

    /// The non-negative integer value of the first `"key":` in `text`, if there is one.
    static func integer(after key: String, in text: [UInt8]) -> Int64? {
        let needle = Array("\"\(key)\"".utf8)
        guard let start = firstIndex(of: needle, in: text) else { return nil }
        var index = start + needle.count
        while index < text.count, text[index] == UInt8(ascii: " ") || text[index] == UInt8(ascii: ":") { index += 1 }
        var value: Int64 = 0
        var digits = 0
        while index < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[index]), digits < 18 {
            value = value * 10 + Int64(text[index] - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        return digits > 0 ? value : nil
    }

    static func firstIndex(of needle: [UInt8], in text: [UInt8]) -> Int? {
        guard needle.count <= text.count else { return nil }
        for index in 0...(text.count - needle.count) where text[index] == needle[0]
            && text[index..<index + needle.count].elementsEqual(needle) {
            return index
        }
        return nil
    }

    /// How many times `needle` occurs in `text`.
    static func count(of needle: [UInt8], in text: [UInt8]) -> Int {
        guard needle.count <= text.count else { return 0 }
        var found = 0
        var index = 0
        while index <= text.count - needle.count {
            if text[index] == needle[0] && text[index..<index + needle.count].elementsEqual(needle) {
                found += 1
                index += needle.count
            } else {
                index += 1
            }
        }
        return found
    }

    private static func lastIndex(of needle: [UInt8], in text: [UInt8]) -> Int? {
        guard needle.count <= text.count else { return nil }
        var index = text.count - needle.count
        while index >= 0 {
            if text[index] == needle[0] && text[index..<index + needle.count].elementsEqual(needle) { return index }
            index -= 1
        }
        return nil
    }
}
