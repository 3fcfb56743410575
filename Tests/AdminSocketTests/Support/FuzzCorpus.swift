import Foundation
import HubCore
import HubTestSupport

/// Lines for the fuzz test: random bytes, token soup, and mutations of requests that cannot
/// change the database even when they happen to stay valid (reads, and writes aimed at users,
/// keys and providers that do not exist).
enum FuzzCorpus {
    static let seeds: [String] = [
        #"{"jsonrpc":"2.0","id":1,"method":"hub.status"}"#,
        #"{"jsonrpc":"2.0","id":2,"method":"mode.get"}"#,
        #"{"jsonrpc":"2.0","id":3,"method":"settings.get","params":{}}"#,
        #"{"jsonrpc":"2.0","id":4,"method":"mode.preview","params":{"mode":"service-provider"}}"#,
        #"{"jsonrpc":"2.0","id":5,"method":"users.list","params":{"filter":"a","status":"active","limit":5}}"#,
        #"{"jsonrpc":"2.0","id":"six","method":"users.show","params":{"user":"alice"}}"#,
        #"{"jsonrpc":"2.0","id":7,"method":"users.ledger","params":{"user":"alice","limit":3}}"#,
        #"{"jsonrpc":"2.0","id":8,"method":"keys.list","params":{"user":"alice"}}"#,
        #"{"jsonrpc":"2.0","id":9,"method":"providers.list"}"#,
        #"{"jsonrpc":"2.0","id":10,"method":"credentials.list","params":{"provider":"openai"}}"#,
        #"{"jsonrpc":"2.0","id":11,"method":"rates.list","params":{"provider":"openai"}}"#,
        #"{"jsonrpc":"2.0","id":12,"method":"rates.history","params":{"model":"openai/gpt-4o"}}"#,
        #"{"jsonrpc":"2.0","id":13,"method":"usage.summary","params":{"by":"model","since":"2026-01-01T00:00:00Z"}}"#,
        #"{"jsonrpc":"2.0","id":14,"method":"usage.recent","params":{"limit":5,"after_id":1}}"#,
        #"{"jsonrpc":"2.0","id":15,"method":"audit.list","params":{"limit":3,"action":"users."}}"#,
        #"{"jsonrpc":"2.0","id":16,"method":"usage.subscribe"}"#,
        #"{"jsonrpc":"2.0","id":17,"method":"usage.unsubscribe"}"#,
        #"{"jsonrpc":"2.0","id":18,"method":"users.grant","params":{"user":"ghost-zq9","amount":"5","reason":"fuzz"}}"#,
        #"{"jsonrpc":"2.0","id":19,"method":"users.deduct","params":{"user":"ghost-zq9","amount":"5","reason":"fuzz","idempotency_key":"k"}}"#,
        #"{"jsonrpc":"2.0","id":20,"method":"users.suspend","params":{"user":"ghost-zq9","reason":"fuzz"}}"#,
        #"{"jsonrpc":"2.0","id":21,"method":"keys.revoke","params":{"key":"zz-no-such-key-zz"}}"#,
        #"{"jsonrpc":"2.0","id":22,"method":"providers.update","params":{"provider":"no-such-provider-zz","display_name":"X"}}"#,
        #"{"jsonrpc":"2.0","id":23,"method":"providers.remove","params":{"provider":"no-such-provider-zz"}}"#,
        #"{"jsonrpc":"2.0","id":24,"method":"credentials.remove","params":{"provider":"no-such-provider-zz","credential":"main"}}"#,
        #"{"jsonrpc":"2.0","id":25,"method":"rates.set","params":{"model":"no-such-provider-zz/m","input":"1"}}"#,
        #"{"jsonrpc":"2.0","id":26,"method":"rates.remove","params":{"model":"no-such-provider-zz/m"}}"#,
        #"{"jsonrpc":"2.0","id":27,"method":"mode.set","params":{"mode":"enterprise"}}"#,
        #"{"jsonrpc":"2.0","id":28,"method":"providers.enable","params":{"provider":"openai"}}"#,
        #"{"jsonrpc":"2.0","method":"hub.status"}"#,
    ]

    /// Methods that never change state, for requests with random params.
    static let readOnly: [String] = Admin.methods.filter { !$0.mutates }.map { $0.name } + ["hub.status"]

    static let tokens: [String] = [
        "{", "}", "[", "]", ",", ":", "\"", "null", "true", "false", "-1", "0", "1e999", "-0.0", "123456789012345678901234567890",
        #""\u0000""#, #""\ud800""#, #""jsonrpc""#, #""2.0""#, #""method""#, #""params""#, #""id""#, #""user""#,
        String(repeating: "[", count: 600), String(repeating: "{\"a\":", count: 300), "\u{FEFF}", "\\", "💥", "\"李小龙\"",
        "\"\(String(repeating: "x", count: 5_000))\"", "\t", "\r", " ",
    ]

    static func line(_ rng: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8]
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<50:
            bytes = mutate(Array(seeds.randomElement(using: &rng)!.utf8), &rng)
        case 50..<62:
            bytes = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        case 62..<77:
            bytes = Array((0..<Int.random(in: 1...30, using: &rng)).map { _ in tokens.randomElement(using: &rng)! }.joined().utf8)
        case 77..<90:
            bytes = Array(randomRequest(&rng).utf8)
        default:
            let items = (0..<Int.random(in: 1...5, using: &rng)).map { _ in
                Bool.random(using: &rng) ? seeds.randomElement(using: &rng)! : randomRequest(&rng)
            }
            bytes = mutate(Array(("[" + items.joined(separator: ",") + "]").utf8), &rng, atMost: 2)
        }
        return bytes.map { $0 == UInt8(ascii: "\n") ? UInt8(ascii: " ") : $0 }
    }

    /// A well-formed request to a read-only method with random params.
    private static func randomRequest(_ rng: inout SplitMix64) -> String {
        let keys = ["user", "limit", "filter", "status", "by", "since", "until", "after_id", "provider", "model", "mode", "x"]
        let values = ["\"alice\"", "1", "-5", "0", "99999999999", "null", "true", "\"\"", "\"active\"", "\"model\"",
                      "\"2026-13-45\"", "[]", "{}", "\"openai/gpt-4o\"", "1.5", "\"\\u00e9\""]
        let params = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
            "\"\(keys.randomElement(using: &rng)!)\":\(values.randomElement(using: &rng)!)"
        }
        let id = Bool.random(using: &rng) ? "\(Int.random(in: 0...1_000, using: &rng))" : "\"r\(Int.random(in: 0...99, using: &rng))\""
        return #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(readOnly.randomElement(using: &rng)!)","params":{\#(params.joined(separator: ","))}}"#
    }

    private static func mutate(_ input: [UInt8], _ rng: inout SplitMix64, atMost: Int = 4) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...atMost, using: &rng) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: bytes[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            case 1: bytes[at] = UInt8.random(in: 0...255, using: &rng)
            case 2: bytes.remove(at: at)
            case 3: bytes.insert(UInt8.random(in: 32...126, using: &rng), at: at)
            case 4: bytes.insert(contentsOf: Array(tokens.randomElement(using: &rng)!.utf8), at: at)
            case 5:
                let end = min(bytes.count, at + Int.random(in: 1...40, using: &rng))
                bytes.insert(contentsOf: bytes[at..<end], at: at)
            case 6: bytes.removeSubrange(at...)
            default: bytes.swapAt(at, Int.random(in: 0..<bytes.count, using: &rng))
            }
        }
        return bytes
    }
}
