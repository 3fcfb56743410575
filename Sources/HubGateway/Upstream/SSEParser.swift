import NIOCore

/// One Server-Sent Event: its `event:` name (if any) and its `data:` lines joined.
struct SSEEvent: Sendable, Equatable {
    var event: String?
    var data: String
}

/// Splits a byte stream into Server-Sent Events, across chunk boundaries. Accepts `\n` and
/// `\r\n` line ends; comment lines (`:`) are skipped.
struct SSEParser {
    private var buffer: [UInt8] = []
    private var event: String?
    private var data: [String] = []

    mutating func feed(_ chunk: ByteBuffer) -> [SSEEvent] {
        buffer.append(contentsOf: chunk.readableBytesView)
        var events: [SSEEvent] = []
        var start = 0
        while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var end = newline
            if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let line = buffer[start..<end]
            start = newline + 1
            if line.isEmpty {
                if !data.isEmpty { events.append(SSEEvent(event: event, data: data.joined(separator: "\n"))) }
                event = nil
                data = []
            } else if line.first == UInt8(ascii: ":") {
                continue
            } else {
                let text = String(decoding: line, as: UTF8.self)
                let (field, value) = Self.split(text)
                switch field {
                case "data": data.append(value)
                case "event": event = value
                default: break
                }
            }
        }
        buffer.removeFirst(start)
        return events
    }

    private static func split(_ line: String) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (line, "") }
        var value = line[line.index(after: colon)...]
        if value.first == " " { value = value.dropFirst() }
        return (String(line[..<colon]), String(value))
    }

    /// The wire form of one `data:` event.
    static func encode(data: String) -> ByteBuffer {
        ByteBuffer(string: "data: \(data)\n\n")
    }
}
