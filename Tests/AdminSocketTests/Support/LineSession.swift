import Foundation
import HubAdmin
import HubCore
import NIOCore
import NIOPosix

/// A raw client of the admin socket: send any bytes, read lines. For protocol and fuzz tests.
final class LineSession {
    private var iterator: NIOAsyncChannelInboundStream<LineFrame>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    private init(_ inbound: NIOAsyncChannelInboundStream<LineFrame>, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.iterator = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Connects to `path`, runs `body`, closes.
    static func with<T>(_ path: String, _ body: (LineSession) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                // A hub that refuses us answers, then closes its side: read the answer first.
                .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder(maxLength: 64 << 20)))
                    return try NIOAsyncChannel<LineFrame, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(LineSession(inbound, outbound))
        }
    }

    func send(_ text: String) async throws { try await outbound.write(ByteBuffer(string: text + "\n")) }

    /// The next line, or nil when the hub closed the connection.
    func nextLine() async throws -> String? {
        guard let frame = try await iterator.next() else { return nil }
        guard case .line(let line) = frame else { return "<too long>" }
        return String(buffer: line)
    }

    /// The next message that is not a notification, parsed (keys verbatim); nil at end of stream.
    func nextResponse() async throws -> JSONValue? {
        while let line = try await nextLine() {
            let value = try JSONValue.parse(Data(line.utf8))
            if case .object(let fields) = value, fields["method"] != nil, fields["id"] == nil { continue }
            return value
        }
        return nil
    }

    /// Sends one line and returns the response to it.
    func exchange(_ line: String) async throws -> JSONValue? {
        try await send(line)
        return try await nextResponse()
    }
}

extension JSONValue {
    subscript(_ key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields[key]
    }

    var errorCode: Int? {
        guard case .integer(let code)? = self["error"]?["code"] else { return nil }
        return Int(code)
    }

    var hubCode: String? {
        guard case .string(let code)? = self["error"]?["data"]?["code"] else { return nil }
        return code
    }

    var errorMessage: String? {
        guard case .string(let message)? = self["error"]?["message"] else { return nil }
        return message
    }
}
