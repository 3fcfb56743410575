import Foundation
import Testing
import HubCore

/// Admin methods are named `area.verb` for what they are, never for who shows them: a console pane,
/// the CLI or the gateway is a consumer of the domain, not an area of it.
@Suite struct AdminNamingTests {
    static let consumers: Set<String> = ["console", "cli", "tui", "pane", "panes", "gateway", "socket", "ui"]

    @Test func everyMethodIsAreaDotVerbWithoutAConsumerName() async {
        for method in Admin.methods {
            let parts = method.name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            #expect(parts.count == 2 && parts.allSatisfy { !$0.isEmpty }, "\(method.name) is not area.verb")
            for part in parts {
                let words = Set(part.lowercased().split(separator: "_").map(String.init))
                #expect(words.isDisjoint(with: Self.consumers), "\(method.name) is named after a consumer")
            }
            let typeName = String(describing: method)
            #expect(!Self.consumers.contains { typeName.lowercased().hasPrefix($0) }, "\(typeName) is named after a consumer")
        }
    }
}
