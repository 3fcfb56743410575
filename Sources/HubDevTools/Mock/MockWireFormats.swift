import Foundation
import Hummingbird
import NIOCore

/// The mock's answers in OpenAI's and Anthropic's wire formats.
extension MockUpstream {
    func openAI(_ request: Request, embeddings: Bool) async throws -> Response {
        let call = try await analyse(request, key: bearer(request))
        if let early = try await preamble(call, errorBody: { code in
            #"{"error":{"message":"mock fault \#(code)","type":"mock_error","code":"mock_\#(code)"}}"#
        }) { return early }
        let created = Int(Date().timeIntervalSince1970)
        let id = "chatcmpl-mock\(created)"
        let usage = #"{"prompt_tokens":\#(call.promptTokens),"completion_tokens":\#(call.outputTokens),"total_tokens":\#(call.promptTokens + call.outputTokens)}"#
        if embeddings {
            let vectors = (0..<call.inputs).map { #"{"object":"embedding","index":\#($0),"embedding":[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8]}"# }
            let promptUsage = #"{"prompt_tokens":\#(call.promptTokens),"total_tokens":\#(call.promptTokens)}"#
            return Self.json(#"{"object":"list","data":[\#(vectors.joined(separator: ","))],"model":"\#(call.model)","usage":\#(promptUsage)}"#)
        }
        let model = call.model
        if !call.stream {
            let text = (0..<call.outputTokens).map { "tok\($0)" }.joined(separator: " ")
            return Self.json(#"{"id":"\#(id)","object":"chat.completion","created":\#(created),"model":"\#(model)","choices":[{"index":0,"message":{"role":"assistant","content":"\#(text)"},"finish_reason":"stop"}],"usage":\#(usage)}"#)
        }
        let prefix = #"data: {"id":"\#(id)","object":"chat.completion.chunk","created":\#(created),"model":"\#(model)","choices":["#
        var tail = [prefix + #"{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\n"]
        if call.includeUsage { tail.append(prefix + #"],"usage":\#(usage)}"# + "\n\n") }
        tail.append("data: [DONE]\n\n")
        return stream(call, head: [prefix + #"{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"# + "\n\n"],
                      chunk: { prefix + #"{"index":0,"delta":{"content":"tok\#($0) "},"finish_reason":null}]}"# + "\n\n" },
                      tail: tail)
    }

    func anthropic(_ request: Request) async throws -> Response {
        let key = request.headers[HTTPFields.Element.Name("x-api-key")!]
        let call = try await analyse(request, key: key)
        if let early = try await preamble(call, errorBody: { code in
            #"{"type":"error","error":{"type":"mock_error","message":"mock fault \#(code)"}}"#
        }) { return early }
        let id = "msg_mock\(Int(Date().timeIntervalSince1970))"
        let model = call.model
        if !call.stream {
            let text = (0..<call.outputTokens).map { "tok\($0)" }.joined(separator: " ")
            return Self.json(#"{"id":"\#(id)","type":"message","role":"assistant","model":"\#(model)","content":[{"type":"text","text":"\#(text)"}],"stop_reason":"end_turn","usage":{"input_tokens":\#(call.promptTokens),"output_tokens":\#(call.outputTokens)}}"#)
        }
        @Sendable func event(_ name: String, _ data: String) -> String { "event: \(name)\ndata: \(data)\n\n" }
        let head = [
            event("message_start", #"{"type":"message_start","message":{"id":"\#(id)","type":"message","role":"assistant","model":"\#(model)","content":[],"usage":{"input_tokens":\#(call.promptTokens),"output_tokens":1}}}"#),
            event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
        ]
        let tail = [
            event("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":\#(call.outputTokens)}}"#),
            event("message_stop", #"{"type":"message_stop"}"#),
        ]
        return stream(call, head: head, chunk: { index in
            event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"tok\#(index) "}}"#)
        }, tail: tail)
    }
}
