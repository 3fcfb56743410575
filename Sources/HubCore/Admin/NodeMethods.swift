import Foundation

extension Admin {
    /// `nodes.list`: the nodes that serve from this database, running ones first.
    public struct NodesList: AdminMethod {
        public static let name = "nodes.list"
        public static let mutates = false
        public init() {}

        public func run(_ context: AdminContext) async throws -> [NodeRecord] {
            try await context.read { db in try NodeRegistry.all(db) }
        }
    }
}
