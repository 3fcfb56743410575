import NIOCore

/// One Server-Sent Event: its `event:` name (if any) and its `data:` lines joined.
struct SSEEvent: Sendable, Equatable {
    var event: String?
    var data: String

    /// True when the data's bytes contain `needle` (a plain byte search: this runs per chunk).
    func dataContains(_ needle: StaticString) -> Bool {
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        var data = data
        return data.withUTF8 { bytes in
            guard pattern.count <= bytes.count, let first = pattern.first else { return false }
            var index = 0
            while index <= bytes.count - pattern.count {
                if bytes[index] == first {
                    var matched = true
                    for offset in 1..<pattern.count where bytes[index + offset] != pattern[offset] {
                        matched = false
                        break
                    }
                    if matched { return true }
                }
                index += 1
            }
            return false
        }
    }
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
                if !data.isEmpty { events.append(SSEEvent(event: event, data: data.count == 1 ? data[0] : data.joined(separator: "\n"))) }
                event = nil
                data = []
            } else if line.first == UInt8(ascii: ":") {
                continue
            } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                var valueStart = colon + 1
                if valueStart < end, buffer[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
                let value = String(decoding: buffer[valueStart..<end], as: UTF8.self)
                if line.starts(with: Self.dataField) { data.append(value) } else if line.starts(with: Self.eventField) { event = value }
            }
        }
        if start == buffer.count { buffer.removeAll(keepingCapacity: true) } else { buffer.removeFirst(start) }
        return events
    }

    private static let dataField = Array("data:".utf8)
    private static let eventField = Array("event:".utf8)

    /// Appends the wire form of one `data:` event to `buffer`.
    static func append(data: String, to buffer: inout ByteBuffer) {
        buffer.writeStaticString("data: ")
        buffer.writeString(data)
        buffer.writeStaticString("\n\n")
    }

    /// The wire form of one `data:` event.
    static func encode(data: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        append(data: data, to: &buffer)
        return buffer
    }
}
