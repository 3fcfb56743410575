import AsyncHTTPClient
import Foundation
import NIOCore

/// Realistic traffic for the demo: a few concurrent callers sending chat requests (some streamed)
/// and embeddings through the hub, with the occasional bad key, unpriced model or broke user, so
/// that every pane has something to show. Runs until cancelled.
struct DemoTraffic: Sendable {
    let baseURL: String
    let callers: [DemoSeed.Caller]
    let lanes = 3

    func run() async {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<lanes {
                group.addTask { await drive(client, lane: lane) }
            }
        }
        try? await client.shutdown()
    }

    private func drive(_ client: HTTPClient, lane: Int) async {
        var random = SystemRandomNumberGenerator()
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int.random(in: 150...900, using: &random)))
            // Mostly the paying users; now and then the broke and the suspended ones (the last two).
            let pool = Int.random(in: 0..<10, using: &random) == 0 ? callers.suffix(2) : callers.dropLast(2)
            let caller = pool.randomElement(using: &random)!
            let roll = Int.random(in: 0..<100, using: &random)
            let key = roll < 2 ? "ahk_not-a-real-key" : caller.key
            let request: HTTPClientRequest
            if roll < 10 {
                request = post("embeddings", key: key, body: [
                    "model": "openai/text-embedding-3-small", "input": "demo text \(lane)-\(roll)",
                ])
            } else {
                let model = roll < 13 ? "openai/o9-preview" : Self.pickModel(&random)
                request = post("chat/completions", key: key, body: [
                    "model": model,
                    "stream": roll % 3 == 0,
                    "max_tokens": Int.random(in: 32...256, using: &random),
                    "messages": [["role": "user", "content": Self.prompts.randomElement(using: &random)!]],
                ])
            }
            if let response = try? await client.execute(request, timeout: .seconds(30)) {
                _ = try? await response.body.collect(upTo: 1 << 20)
            }
        }
    }

    private func post(_ path: String, key: String, body: [String: Any]) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: "\(baseURL)/\(path)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "application/json")
        let data = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
        request.body = .bytes(ByteBuffer(bytes: data))
        return request
    }

    private static func pickModel(_ random: inout SystemRandomNumberGenerator) -> String {
        let total = DemoSeed.models.reduce(0) { $0 + $1.weight }
        var pick = Int.random(in: 0..<total, using: &random)
        for model in DemoSeed.models {
            if pick < model.weight { return model.name }
            pick -= model.weight
        }
        return DemoSeed.models[0].name
    }

    private static let prompts = [
        "Summarise this quarter's support tickets in three bullet points.",
        "請用繁體中文解釋什麼是 API 閘道。",
        "Write a haiku about rate limits.",
        "Translate 'prepaid credits' into Japanese and Spanish.",
        "List five risks of running an AI gateway without an audit log.",
    ]
}
