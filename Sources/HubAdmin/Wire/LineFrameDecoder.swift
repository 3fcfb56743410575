import HubCore
import NIOCore

/// One frame of the admin protocol's byte stream.
public enum LineFrame: Sendable, Equatable {
    /// A line without its `\n` (and without a `\r` before it).
    case line(ByteBuffer)
    /// A line longer than the limit began; it and everything after it is discarded.
    case tooLong
}

/// Splits a byte stream into `\n`-terminated lines of at most `maxLength` bytes. A longer line
/// yields ``LineFrame/tooLong`` once, then the rest of the stream is discarded (the peer is
/// expected to close). A last line without a newline is delivered at end of input.
public struct LineFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = LineFrame

    public let maxLength: Int
    /// Bytes of the current partial line already searched for a newline.
    private var scanned = 0
    private var overflowed = false

    public init(maxLength: Int) { self.maxLength = maxLength }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard !overflowed else {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        let view = buffer.readableBytesView
        let searchStart = view.index(view.startIndex, offsetBy: min(scanned, view.count))
        guard let newline = view[searchStart...].firstIndex(of: UInt8(ascii: "\n")) else {
            scanned = view.count
            if view.count > maxLength { overflow(context: context, buffer: &buffer) }
            return .needMoreData
        }
        let length = view.distance(from: view.startIndex, to: newline)
        guard length <= maxLength else {
            overflow(context: context, buffer: &buffer)
            return .needMoreData
        }
        scanned = 0
        emit(context: context, buffer.readSlice(length: length)!)
        buffer.moveReaderIndex(forwardBy: 1)
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if !overflowed, buffer.readableBytes > 0 {
            emit(context: context, buffer.readSlice(length: buffer.readableBytes)!)
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    private func emit(context: ChannelHandlerContext, _ line: ByteBuffer) {
        var line = line
        if line.readableBytesView.last == UInt8(ascii: "\r") { line.moveWriterIndex(to: line.writerIndex - 1) }
        context.fireChannelRead(Self.wrapInboundOut(.line(line)))
    }

    private mutating func overflow(context: ChannelHandlerContext, buffer: inout ByteBuffer) {
        overflowed = true
        buffer.moveReaderIndex(to: buffer.writerIndex)
        context.fireChannelRead(Self.wrapInboundOut(.tooLong))
    }
}
