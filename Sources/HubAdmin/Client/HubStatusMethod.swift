import HubCore

extension Admin {
    /// `hub.status`: running or stopped, version, mode, data directory, counts; uptime,
    /// in-flight requests and subscribers when answered by a running hub.
    public struct HubStatus: AdminMethod {
        public static let name = "hub.status"
        public static let mutates = false
        public init() {}

        /// Run in-process: `running` says whether a hub answers on the directory's admin socket.
        public func run(_ context: AdminContext) async throws -> HubStatusReport {
            var report = try await HubStatusReport.stored(in: context.service.store)
            report.running = await AdminSocketProbe.answers(at: context.service.store.directory.adminSocketURL.path)
            return report
        }
    }
}
