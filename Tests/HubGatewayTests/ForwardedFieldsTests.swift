import Foundation
import HubCore
import NIOCore
import Testing
@testable import HubGateway

/// What a paid call forwards upstream, in-process (HummingbirdTesting, an in-memory upstream): only
/// the fields the hold covers.
@Suite struct ForwardedFieldsTests {
    @Test func fieldsThatChangeTheProvidersBillAreRefusedNamed() async throws {
        try await withInProcessHub(upstream: InMemoryUpstream()) { client, key, upstream in
            let messages = #""messages":[{"role":"user","content":"hi"}]"#
            for (field, value) in [("models", #"["openai/gpt-4o"]"#), ("plugins", #"[{"id":"web"}]"#),
                                   ("provider", #"{"order":["OpenAI"]}"#), ("search_parameters", #"{"mode":"on"}"#)] {
                let refused = try await postChat(client, key, #"{"model":"mock-model","max_tokens":5,\#(messages),"\#(field)":\#(value)}"#)
                #expect(refused.status == 400 && refused.param == field, "\(field): \(refused)")
            }
            let audio = try await postChat(client, key, #"{"model":"mock-model",\#(messages),"modalities":["text","audio"]}"#)
            #expect(audio.status == 400 && audio.param == "modalities")
            #expect(upstream.callCount == 0, "a refused field reached the upstream")
            // The known fields pass, text modality included.
            let known = try await postChat(client, key, #"{"model":"mock-model",\#(messages),"temperature":0.5,"top_p":1,"seed":3,"#
                + #""user":"u","modalities":["text"],"tools":[],"response_format":{"type":"text"},"metadata":{"a":"b"}}"#)
            #expect(known.status == 200 && upstream.callCount == 1)
        }
    }

    @Test func embeddingsFieldsAreAllowListedToo() async throws {
        let known = try ChatRequest(body: ByteBuffer(string: #"{"model":"e","input":"hi","dimensions":8,"encoding_format":"float"}"#))
        try known.checkFields(allowed: ChatRequest.embeddingsFields)
        let unknown = try ChatRequest(body: ByteBuffer(string: #"{"model":"e","input":"hi","provider":{"order":["x"]}}"#))
        #expect(throws: APIError.self) { try unknown.checkFields(allowed: ChatRequest.embeddingsFields) }
    }
}
