import Foundation
import HubAdmin
import HubCore
import HubTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Admin socket permissions and lifecycle")
struct PermissionTests {
    @Test("the socket is created 0600, owned by the hub's uid")
    func socketMode() async throws {
        try await withServer { hub, _ in
            var info = stat()
            #expect(lstat(hub.socketPath, &info) == 0)
            #expect(info.st_mode & S_IFMT == S_IFSOCK)
            #expect(info.st_mode & 0o777 == 0o600)
            #expect(info.st_uid == getuid())
        }
    }

    @Test("a stale socket file is replaced; the socket file is removed on shutdown")
    func staleSocket() async throws {
        let hub = try TestHub.create()
        defer { hub.remove() }
        try StaleSocket.create(at: hub.socketPath)
        #expect(!AdminSocketProbe.accepts(at: hub.socketPath))
        let server = try await RunningServer.start(hub)
        #expect(try await HubConnections.socket(server.path).call(Admin.HubStatus()).running)
        try await server.stop()
        #expect(!FileManager.default.fileExists(atPath: hub.socketPath))
    }

    @Test("a second server refuses to start while a hub answers on the socket")
    func liveSocketIsKept() async throws {
        try await withServer { hub, server in
            let second = AdminSocketServer(service: hub.service, logger: RunningServer.quietLogger)
            do {
                try await second.run()
                Issue.record("a second server started on a live socket")
            } catch let error as HubError {
                #expect(error == HubError(.alreadyExists, "a hub is already running on \(server.path): stop it first"))
            }
            #expect(try await HubConnections.socket(server.path).call(Admin.HubStatus()).running)
        }
    }

    @Test("a file that is not a socket is never replaced")
    func regularFileIsKept() async throws {
        let hub = try TestHub.create()
        defer { hub.remove() }
        try Data("keep me".utf8).write(to: hub.directory.adminSocketURL)
        let server = AdminSocketServer(service: hub.service, logger: RunningServer.quietLogger)
        await #expect(throws: HubError.self) { try await server.run() }
        #expect(try String(contentsOf: hub.directory.adminSocketURL, encoding: .utf8) == "keep me")
    }

    @Test("a peer the policy does not admit is refused (real SO_PEERCRED) and changes nothing")
    func peerRefused() async throws {
        let policy = AdminPeerPolicy(ownerUid: 4242, allowRoot: false)
        try await withServer(configure: { $0.policy = policy }) { hub, server in
            let before = try hub.tableContents()
            try await LineSession.with(server.path) { session in
                try await session.send(#"{"jsonrpc":"2.0","id":1,"method":"users.add","params":{"name":"mallory"}}"#)
                let refusal = try #require(try await session.nextResponse())
                #expect(refusal["id"] == .null)
                #expect(refusal.errorCode == -32007)
                #expect(refusal.hubCode == "permission_denied")
                #expect(refusal.errorMessage?.contains("(uid \(getuid())) may not administer this hub") == true)
                #expect(try await session.nextLine() == nil)
            }
            do {
                _ = try await HubConnections.socket(server.path).call(Admin.UsersList())
                Issue.record("the refused peer's call succeeded")
            } catch let error as HubError {
                #expect(error.code == .permissionDenied)
            }
            #expect(try hub.tableContents() == before)
        }
    }

    @Test("the policy admits the owner, root and the admin group only")
    func policy() async {
        let owner = AdminPeerPolicy(ownerUid: 1000)
        #expect(owner.allows(PeerCredentials(pid: 1, uid: 1000, gid: 1000)))
        #expect(owner.allows(PeerCredentials(pid: 1, uid: 0, gid: 0)))
        #expect(!owner.allows(PeerCredentials(pid: 1, uid: 1001, gid: 1001)))
        #expect(!AdminPeerPolicy(ownerUid: 1000, allowRoot: false).allows(PeerCredentials(pid: 1, uid: 0, gid: 0)))
        let group = AdminPeerPolicy(ownerUid: 1000, adminGroup: 50)
        #expect(group.allows(PeerCredentials(pid: 1, uid: 1001, gid: 50)))
        #expect(group.allows(PeerCredentials(pid: 1, uid: 1001, gid: 1001), supplementaryGroups: { _ in [10, 50] }))
        #expect(!group.allows(PeerCredentials(pid: 1, uid: 1001, gid: 1001), supplementaryGroups: { _ in [10] }))
        #expect(PeerGroups.of(pid: getpid()) == PeerGroups.of(pid: getpid()))
    }

    @Test("another uid is refused: by the socket's mode, and by the peer check if the mode is loosened")
    func anotherUid() async throws {
        try await withServer { hub, server in
            // Let uid 65534 reach the socket file through the directory's group (the CLI refuses a
            // directory open to others), so that only the socket's own mode stops it.
            chown(hub.directory.path, 0, 65534)
            chmod(hub.directory.path, 0o750)
            let denied = try AigneHubBinary.run(["admin", "status", "--socket", server.path, "--json"], asUid: 65534)
            #expect(denied.status == 2, "\(denied)")
            #expect(denied.stderr.contains("Permission denied"), "\(denied)")

            lchown(server.path, UInt32.max, 65534)
            chmod(server.path, 0o660)
            let refused = try AigneHubBinary.run(["admin", "users", "add", "eve", "--socket", server.path, "--json"], asUid: 65534)
            #expect(refused.status == 1, "\(refused)")
            #expect(refused.stderr.contains("\"code\":\"permission_denied\""), "\(refused)")
            #expect(try await HubConnections.socket(server.path).call(Admin.UsersList()).isEmpty)

            let root = try AigneHubBinary.run(["admin", "users", "add", "eve", "--socket", server.path])
            #expect(root.status == 0, "\(root)")
        }
    }

    @Test("with an admin group the socket is 0660 and the group's members are admitted")
    func adminGroup() async throws {
        let group: UInt32 = 65534   // nogroup
        try await withServer(configure: { $0.policy.adminGroup = group }) { hub, server in
            // The group is given right after bind (until then the socket is 0660 root:root).
            var info = stat()
            for _ in 0..<100 where lstat(server.path, &info) == 0 && info.st_gid != group {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(info.st_mode & 0o777 == 0o660)
            #expect(info.st_gid == group)
            chown(hub.directory.path, 0, group)
            chmod(hub.directory.path, 0o750)
            let member = try AigneHubBinary.run(["admin", "users", "add", "nina", "--socket", server.path], asUid: 65534)
            #expect(member.status == 0, "\(member)")
            let audit = try await HubConnections.socket(server.path).call(Admin.AuditList(limit: 1))
            #expect(audit.first?.actor == "\(AdminActor.userName(uid: 65534)) (uid 65534) via socket")
        }
    }
}
