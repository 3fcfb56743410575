import Foundation
import HubCore
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import HubGateway
import AsyncHTTPClient

/// A connection that breaks after the request was written may have been accepted (the upstream
/// may be working, and billing, on it): one upstream call, a 502, never a retry elsewhere.
@Suite struct ConnectionResetTests {
    @Test func onlyConnectErrorsAreNotConnected() async {
        func connected(_ error: any Error) -> Bool {
            if case .notConnected = UpstreamFailure.classify(error) { return false }
            return true
        }
        #expect(!connected(IOError(errnoCode: ECONNREFUSED, reason: "connect")))
        #expect(!connected(HTTPClientError.connectTimeout))
        for errno in [ECONNRESET, EPIPE, ETIMEDOUT] {
            #expect(connected(IOError(errnoCode: errno, reason: "read")), "errno \(errno) after the request was written")
        }
    }

    /// Every call: the request is read, then the connection is reset (as the kernel reports it).
    final class ResettingUpstream: UpstreamTransport {
        private let calls = Atomic<Int>(0)
        var callCount: Int { calls.load(ordering: .relaxed) }

        func send(_ request: HTTPClientRequest) async throws(UpstreamFailure) -> UpstreamResponse {
            calls.add(1, ordering: .relaxed)
            throw UpstreamFailure.classify(IOError(errnoCode: ECONNRESET, reason: "read(descriptor:pointer:size:)"))
        }
    }

    @Test func aResetAfterTheRequestIsOneCallAnd502() async throws {
        try await withInProcessHub(credentials: ["sk-a", "sk-b", "sk-c"], upstream: ResettingUpstream()) { client, key, upstream in
            let reply = try await postChat(client, key, #"{"model":"mock-model","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(reply.status == 502)
            #expect(upstream.callCount == 1, "a call the upstream may have accepted was sent again")
        }
    }
}
