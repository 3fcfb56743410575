import Foundation
import HubAdmin
import HubCore
import Testing

/// The two ``HubConnection`` implementations, the database one on each backend: SQLite (the data
/// directory's file) and PostgreSQL (a cluster's database, as `--database URL` opens it).
enum Endpoint: String, CaseIterable, Sendable {
    case database, socket, postgres

    /// The server that keeps the state behind this endpoint.
    var storeKind: StoreKind { self == .postgres ? .postgres : .sqlite }
}

/// The admin service called directly: the behaviour both endpoints must reproduce.
struct ReferenceConnection: HubConnection {
    let service: AdminService
    var endpoint: HubEndpoint { .database(service.store.directory.databaseURL.path) }

    func call<M: AdminMethod>(_ method: M) async throws(HubError) -> M.Result {
        try await service.perform(method, actor: "reference")
    }

    func subscribe(_ mode: SubscriptionMode) async throws(HubError) -> AsyncThrowingStream<HubNotification, any Error> {
        await DatabaseFeed(store: service.store).notifications(mode)
    }
}

/// Runs `body` with a connection of the given kind to a fresh hub.
func withConnection<T>(
    _ endpoint: Endpoint, inFlight: (@Sendable () -> Int)? = nil,
    _ body: (any HubConnection, TestHub) async throws -> T
) async throws -> T {
    switch endpoint {
    case .database:
        let hub = try TestHub.create()
        defer { hub.remove() }
        return try await body(try HubConnections.database(hub.directory, surface: "test"), hub)
    case .socket:
        return try await withServer(inFlight: inFlight) { hub, server in
            try await body(HubConnections.socket(server.path), hub)
        }
    case .postgres:
        return try await withPostgresHub { postgres in
            try await body(postgres.connection(), postgres.hub)
        }
    }
}

@Suite("Conformance: the socket and the database (SQLite and PostgreSQL) give the same results and errors")
struct ConformanceTests {
    @Test("the script calls every admin method and hub.status")
    func scriptCoversEveryMethod() async {
        let called = Set(ConformanceScript.steps.map(\.method))
        let methods = Set(Admin.methods.map { $0.name } + [Admin.HubStatus.name])
        #expect(methods.subtracting(called).isEmpty, "not called: \(methods.subtracting(called).sorted())")
        // Each method that can fail is also seen failing somewhere.
        #expect(ConformanceScript.steps.contains { $0.expected != nil })
    }

    @Test("every step gives the admin service's own result or error", arguments: Endpoint.allCases)
    func sameOutcomesAsTheAdminService(_ endpoint: Endpoint) async throws {
        let reference = try TestHub.create()
        defer { reference.remove() }
        let expected = await ConformanceScript.transcript(ReferenceConnection(service: reference.service), hub: reference)
        let transcript = try await withConnection(endpoint) { connection, hub in
            await ConformanceScript.transcript(connection, hub: hub)
        }
        #expect(transcript.count == expected.count)
        for (step, (got, want)) in zip(ConformanceScript.steps, zip(transcript, expected)) {
            if step.sqliteOnly && endpoint.storeKind == .postgres {
                #expect(got.code == .failedPrecondition, "\(got)")
            } else {
                #expect(got == want)
                #expect(got.code == step.expected, "\(got)")
            }
        }
    }

    @Test("hub.status says running only through a running hub", arguments: Endpoint.allCases)
    func status(_ endpoint: Endpoint) async throws {
        try await withConnection(endpoint, inFlight: { 7 }) { connection, hub in
            let status = try await connection.call(Admin.HubStatus())
            #expect(status.running == (endpoint == .socket))
            #expect(status.version == HubVersion.current)
            #expect(status.dataDir == hub.directory.path)
            #expect(status.inFlight == (endpoint == .socket ? 7 : nil))
            #expect(status.pid == (endpoint == .socket ? getpid() : nil))
            #expect(status.counts.users == 0)
            // The one field that tells the backends apart (the transcript leaves it out).
            #expect(status.database == endpoint.storeKind)
            #expect(status.nodes.isEmpty)
        }
    }

    @Test("the socket records the peer's uid as the actor")
    func socketActorIsThePeerUid() async throws {
        try await withServer { _, server in
            let connection = HubConnections.socket(server.path)
            _ = try await connection.call(Admin.UsersAdd(name: "dora"))
            let audit = try await connection.call(Admin.AuditList(limit: 1))
            #expect(audit.first?.actor == AdminActor.osUser(uid: getuid(), via: "socket"))
        }
    }

    @Test("open(dataDirectory:) picks the socket when a hub answers, else the database")
    func openPicksTheEndpoint() async throws {
        try await withServer { hub, _ in
            let live = try await HubConnections.open(dataDirectory: hub.directory, surface: "test")
            #expect(live.endpoint == .socket(hub.socketPath))
        }
        let stopped = try TestHub.create()
        defer { stopped.remove() }
        let connection = try await HubConnections.open(dataDirectory: stopped.directory, surface: "test")
        #expect(connection.endpoint == .database(stopped.directory.databaseURL.path))
        // A stale socket file (nobody listening) is not a running hub.
        try StaleSocket.create(at: stopped.socketPath)
        let again = try await HubConnections.open(dataDirectory: stopped.directory, surface: "test")
        #expect(again.endpoint == .database(stopped.directory.databaseURL.path))
    }

    @Test("many clients at once")
    func manyClients() async throws {
        try await withServer { _, server in
            let connection = HubConnections.socket(server.path)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask { _ = try await connection.call(Admin.UsersAdd(name: "user-\(index)")) }
                }
                try await group.waitForAll()
            }
            #expect(try await connection.call(Admin.UsersList()).count == 40)
        }
    }
}
