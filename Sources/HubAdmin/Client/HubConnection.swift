import Foundation
import HubCore
import NIOPosix

/// Where a ``HubConnection`` reaches the hub.
public enum HubEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The admin socket of a running hub.
    case socket(String)
    /// The hub's database file, opened directly (the hub may be stopped).
    case database(String)

    public var description: String {
        switch self {
        case .socket(let path): "socket \(path)"
        case .database(let path): "database \(path)"
        }
    }
}

/// One async admin API over a running hub's admin socket or over its database directly.
/// The CLI and the console use nothing else to administer a hub.
public protocol HubConnection: Sendable {
    var endpoint: HubEndpoint { get }
    /// Runs one admin operation; failures are ``HubError``s with the same codes on every endpoint.
    func call<M: AdminMethod>(_ method: M) async throws(HubError) -> M.Result
    /// `usage.subscribe`: a `stats` tick each second and, as they happen, admin changes and every usage
    /// event and ledger change (`.everyEvent`) or a sample of the usage events (`.summary`), until the
    /// stream is cancelled or the hub drops the subscriber.
    func subscribe(_ mode: SubscriptionMode) async throws(HubError) -> AsyncThrowingStream<HubNotification, any Error>
}

extension HubConnection {
    /// Every event (`admin usage tail`).
    public func subscribe() async throws(HubError) -> AsyncThrowingStream<HubNotification, any Error> {
        try await subscribe(.everyEvent)
    }
}

/// A ``HubConnection`` that runs each operation in-process against the database (the store's
/// backend runs each transaction where blocking is allowed, so no async thread waits on a lock).
public struct DatabaseConnection: HubConnection {
    public let service: AdminService
    public let actor: String
    /// The database as the user named it (a PostgreSQL location, its password left out).
    private let databaseName: String?

    /// `databaseName`: how to name the database (default: the SQLite file's path).
    public init(service: AdminService, actor: String, databaseName: String? = nil) {
        self.service = service
        self.actor = actor
        self.databaseName = databaseName
    }

    /// Opens the hub database in `directory`, acting as the current OS user via `surface`.
    public static func open(_ directory: DataDirectory, surface: String) async throws(HubError) -> DatabaseConnection {
        DatabaseConnection(service: try await AdminService.open(directory), actor: AdminActor.osUser(via: surface))
    }

    public var endpoint: HubEndpoint { .database(databaseName ?? service.store.directory.databaseURL.path) }

    public func call<M: AdminMethod>(_ method: M) async throws(HubError) -> M.Result {
        try await service.perform(method, actor: actor)
    }

    public func subscribe(_ mode: SubscriptionMode) async throws(HubError) -> AsyncThrowingStream<HubNotification, any Error> {
        await DatabaseFeed(store: service.store).notifications(mode)
    }
}
