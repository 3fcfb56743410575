import Foundation
import HubAdmin
import HubCore
import Testing

/// The wire protocol itself: malformed input, JSON-RPC rules, limits.
@Suite("Admin socket protocol")
struct ProtocolTests {
    @Test("a malformed line gets a parse error and the connection stays usable")
    func parseErrorKeepsTheConnection() async throws {
        try await withServer { _, server in
            try await LineSession.with(server.path) { session in
                for garbage in ["not json", "{\"jsonrpc\":", "\u{1}\u{2}", "{}}", "[1,2"] {
                    let response = try #require(try await session.exchange(garbage))
                    #expect(response.errorCode == RPCErrorCode.parseError)
                    #expect(response["id"] == .null)
                    #expect(response.hubCode == "invalid_argument")
                }
                let status = try #require(try await session.exchange(#"{"jsonrpc":"2.0","id":7,"method":"hub.status"}"#))
                #expect(status["id"] == .integer(7))
                #expect(status["result"]?["running"] == .bool(true))
            }
        }
    }

    @Test("requests that are not JSON-RPC 2.0 are invalid requests", arguments: [
        "42", "\"text\"", "null", #"{"id":1,"method":"hub.status"}"#, #"{"jsonrpc":"1.0","id":1,"method":"hub.status"}"#,
        #"{"jsonrpc":"2.0","id":1}"#, #"{"jsonrpc":"2.0","id":1,"method":5}"#, #"{"jsonrpc":"2.0","id":{},"method":"hub.status"}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"hub.status","params":"x"}"#, #"{"jsonrpc":"2.0","id":1,"method":"hub.status","extra":1}"#,
        "[]",
    ])
    func invalidRequests(_ line: String) async throws {
        try await withServer { _, server in
            try await LineSession.with(server.path) { session in
                let response = try #require(try await session.exchange(line))
                #expect(response.errorCode == RPCErrorCode.invalidRequest, "\(line)")
                #expect(response.errorMessage?.isEmpty == false)
            }
        }
    }

    @Test("unknown methods and bad params get their own errors, naming the problem")
    func methodAndParamErrors() async throws {
        try await withServer { hub, server in
            let before = try hub.tableContents()
            try await LineSession.with(server.path) { session in
                let cases: [(String, Int, String)] = [
                    (#"{"jsonrpc":"2.0","id":1,"method":"users.frobnicate"}"#, RPCErrorCode.methodNotFound, "users.frobnicate"),
                    (#"{"jsonrpc":"2.0","id":2,"method":"users.grant","params":{"amount":"5","reason":"x"}}"#, RPCErrorCode.invalidParams, "missing parameter 'user'"),
                    (#"{"jsonrpc":"2.0","id":3,"method":"users.grant","params":{"user":5,"amount":"5","reason":"x"}}"#, RPCErrorCode.invalidParams, "parameter 'user' must be a string"),
                    (#"{"jsonrpc":"2.0","id":4,"method":"users.grant","params":{"user":"a","amount":"lots","reason":"x"}}"#, RPCErrorCode.invalidParams, "parameter 'amount'"),
                    (#"{"jsonrpc":"2.0","id":5,"method":"users.list","params":{"limt":3}}"#, RPCErrorCode.invalidParams, "unknown parameter 'limt'"),
                    (#"{"jsonrpc":"2.0","id":6,"method":"mode.set","params":{"mode":"free-for-all"}}"#, RPCErrorCode.invalidParams, "use enterprise, service-provider"),
                    (#"{"jsonrpc":"2.0","id":7,"method":"users.add","params":{"name":null}}"#, RPCErrorCode.invalidParams, "parameter 'name'"),
                    (#"{"jsonrpc":"2.0","id":8,"method":"users.add","params":[1]}"#, RPCErrorCode.invalidParams, "params must be an object"),
                    (#"{"jsonrpc":"2.0","id":9,"method":"hub.status","params":{"verbose":true}}"#, RPCErrorCode.invalidParams, "unknown parameter 'verbose'"),
                    (#"{"jsonrpc":"2.0","id":10,"method":"users.show","params":{"user":"nobody"}}"#, -32001, "unknown user 'nobody'"),
                    (#"{"jsonrpc":"2.0","id":11,"method":"users.add","params":{"name":"12345"}}"#, RPCErrorCode.invalidParams, "all digits"),
                ]
                for (line, code, fragment) in cases {
                    let response = try #require(try await session.exchange(line))
                    #expect(response.errorCode == code, "\(line) → \(response)")
                    #expect(response.errorMessage?.contains(fragment) == true, "\(line) → \(response.errorMessage ?? "-")")
                }
            }
            #expect(try hub.tableContents() == before, "a refused request changed the database")
        }
    }

    @Test("a notification runs but is not answered; batches are answered as arrays")
    func notificationsAndBatches() async throws {
        try await withServer { _, server in
            try await LineSession.with(server.path) { session in
                try await session.send(#"{"jsonrpc":"2.0","method":"users.add","params":{"name":"carol"}}"#)
                try await session.send(#"{"jsonrpc":"2.0","method":"no.such.method"}"#)
                let shown = try #require(try await session.exchange(#"{"jsonrpc":"2.0","id":"s","method":"users.show","params":{"user":"carol"}}"#))
                #expect(shown["id"] == .string("s"))
                #expect(shown["result"]?["user"]?["name"] == .string("carol"))

                let batch = try #require(try await session.exchange(
                    #"[{"jsonrpc":"2.0","id":1,"method":"mode.get"},{"jsonrpc":"2.0","method":"mode.get"},{"jsonrpc":"2.0","id":2,"method":"nope"},7]"#))
                guard case .array(let items) = batch else { Issue.record("not an array: \(batch)"); return }
                #expect(items.count == 3)
                #expect(items[0]["result"]?["mode"] == .string("enterprise"))
                #expect(items[1].errorCode == RPCErrorCode.methodNotFound)
                #expect(items[2].errorCode == RPCErrorCode.invalidRequest)
            }
        }
    }

    @Test("CRLF line ends and blank lines are accepted")
    func lineEnds() async throws {
        try await withServer { _, server in
            try await LineSession.with(server.path) { session in
                try await session.send("")
                try await session.send("   ")
                let response = try #require(try await session.exchange("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"mode.get\"}\r"))
                #expect(response["id"] == .integer(1))
                #expect(response["result"] != nil)
            }
        }
    }

    @Test("a line of exactly 1 MiB is read; a longer one gets an error and the connection is closed")
    func lineLimit() async throws {
        try await withServer { _, server in
            let request = #"{"jsonrpc":"2.0","id":1,"method":"mode.get"}"#
            let padded = request + String(repeating: " ", count: AdminWire.maxRequestLine - request.utf8.count)
            try await LineSession.with(server.path) { session in
                let response = try #require(try await session.exchange(padded))
                #expect(response["result"] != nil)
                let over = try #require(try await session.exchange(padded + " "))
                #expect(over.errorCode == RPCErrorCode.invalidRequest)
                #expect(over.errorMessage?.contains("longer than 1048576 bytes") == true)
                #expect(try await session.nextLine() == nil, "the connection stays open after an over-long line")
            }
            // The hub is unharmed.
            #expect(try await HubConnections.socket(server.path).call(Admin.HubStatus()).running)
        }
    }

    @Test("a client that half-closes still gets its answers")
    func halfClose() async throws {
        try await withServer { _, server in
            try await LineSession.with(server.path) { session in
                try await session.send(#"{"jsonrpc":"2.0","id":1,"method":"hub.status"}"#)
                try await session.send(#"{"jsonrpc":"2.0","id":2,"method":"mode.get"}"#)
                session.outbound.finish()
                #expect(try await session.nextResponse()?["id"] == .integer(1))
                #expect(try await session.nextResponse()?["id"] == .integer(2))
                #expect(try await session.nextLine() == nil)
            }
        }
    }

    @Test("the error codes are stable and map back to the same HubError codes")
    func errorCodeTable() async {
        var seen = Set<Int>()
        for code in HubError.Code.allCases {
            let rpc = RPCErrorCode.code(for: code)
            #expect(seen.insert(rpc).inserted, "\(code) shares \(rpc)")
            #expect(RPCErrorCode.hubCode(rpcCode: rpc, dataCode: nil) == code)
            #expect(RPCErrorCode.hubCode(rpcCode: rpc, dataCode: code.rawValue) == code)
        }
        #expect(RPCErrorCode.code(for: .notFound) == -32001)
        #expect(RPCErrorCode.code(for: .insufficientBalance) == -32003)
        #expect(RPCErrorCode.code(for: .invalidArgument) == -32602)
    }
}
