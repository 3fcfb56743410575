import Foundation
import HubCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The admin socket of a running hub: JSON-RPC 2.0, one message per line, on `admin.sock` in
/// the data directory. A swift-service-lifecycle `Service`: add it to the hub's ServiceGroup.
///
/// On start it refuses to run if a live hub already answers on the socket, removes a stale
/// socket file, and binds with umask 177 so the socket is created 0600 (0660 with an admin
/// group) with no window in which it is more open. On shutdown it closes every connection and
/// removes its socket file.
public struct AdminSocketServer: Service {
    public struct Configuration: Sendable {
        public var socketPath: String
        public var policy: AdminPeerPolicy
        /// Bytes of notifications a subscriber may fall behind (beyond what its socket holds)
        /// before it is dropped. A burst of 5,000 usage events is about 2.5 MB.
        public var subscriberQueueBytes = 16 << 20
        /// How long a dropped subscriber has to read what was already sent and the
        /// `subscription.dropped` notice before its connection is closed anyway.
        public var dropGrace: Duration = .seconds(10)
        /// Request lines read ahead of their answers, per connection.
        public var requestBacklog = 64
        /// How often the live feed polls the database.
        public var pollInterval: Duration = .milliseconds(250)

        /// `admin.sock` in `directory`, for the hub's own uid and root.
        public init(directory: DataDirectory, policy: AdminPeerPolicy = AdminPeerPolicy()) {
            self.socketPath = directory.adminSocketURL.path
            self.policy = policy
        }
    }

    private let service: AdminService
    private let configuration: Configuration
    private let inFlight: (@Sendable () -> Int)?
    private let notifications: NotificationSource?
    private let logger: Logger
    private let group: any EventLoopGroup
    private let threadPool: NIOThreadPool

    /// Where live notifications come from: called again if a stream fails.
    public typealias NotificationSource = @Sendable () async -> AsyncThrowingStream<HubNotification, any Error>

    /// - Parameters:
    ///   - inFlight: requests being served now, for `hub.status` and the stats tick.
    ///   - notifications: the live notifications shared by every subscriber; by default a
    ///     ``DatabaseFeed`` polling the hub's database (it sees the writes of every process).
    public init(
        service: AdminService, configuration: Configuration? = nil, inFlight: (@Sendable () -> Int)? = nil,
        notifications: NotificationSource? = nil, logger: Logger = Logger(label: "aigne-hub.admin-socket"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, threadPool: NIOThreadPool = .singleton
    ) {
        self.service = service
        self.configuration = configuration ?? Configuration(directory: service.store.directory)
        self.inFlight = inFlight
        self.notifications = notifications
        self.logger = logger
        self.group = group
        self.threadPool = threadPool
    }

    public func run() async throws {
        let fanout = NotificationFanout()
        let connections = ConnectionRegistry()
        let started = Date()
        let inFlight = self.inFlight
        let router = AdminRequestRouter(service: service) {
            .init(pid: getpid(), startedAt: started, inFlight: inFlight?(), subscribers: fanout.count)
        }
        let (channel, inode) = try await bind(router: router, fanout: fanout, connections: connections)
        logger.info("admin socket listening on \(configuration.socketPath)")
        let source = notifications ?? { [store = service.store, interval = configuration.pollInterval] in
            await DatabaseFeed(store: store, pollInterval: interval, inFlight: inFlight).notifications()
        }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withDiscardingTaskGroup { group in
                    group.addTask { await fanout.run(source, logger: logger) }
                    try? await channel.closeFuture.get()
                    group.cancelAll()
                }
            } onCancel: {
                channel.close(promise: nil)
            }
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
        connections.closeAll()
        SocketFile.remove(configuration.socketPath, ifInode: inode)
        logger.info("admin socket closed")
    }

    private func bind(router: AdminRequestRouter, fanout: NotificationFanout,
                      connections: ConnectionRegistry) async throws -> (any Channel, ino_t) {
        let path = configuration.socketPath
        try SocketFile.clearStale(path)
        let limits = AdminConnectionHandler.Limits(
            requestBacklog: configuration.requestBacklog, subscriberQueueBytes: configuration.subscriberQueueBytes,
            dropGrace: TimeAmount(configuration.dropGrace))
        let policy = configuration.policy
        let threadPool = self.threadPool
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                connections.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(LineFrameDecoder(maxLength: AdminWire.maxRequestLine)),
                        AdminConnectionHandler(router: router, fanout: fanout, policy: policy,
                                               threadPool: threadPool, limits: limits))
                }
            }
        // The umask is process-wide: set it only around bind, one server at a time, so the socket
        // is born with its final mode.
        await UmaskGate.shared.enter()
        let previous = umask(policy.adminGroup == nil ? 0o177 : 0o117)
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false).get()
            umask(previous)
            await UmaskGate.shared.leave()
        } catch {
            umask(previous)
            await UmaskGate.shared.leave()
            throw HubError(.unavailable, "cannot listen on \(path): \(error)")
        }
        if let group = policy.adminGroup, lchown(path, UInt32.max, group) != 0 {
            channel.close(promise: nil)
            throw HubError(.permissionDenied, "cannot give \(path) to group \(group): \(String(cString: strerror(errno)))")
        }
        return (channel, SocketFile.inode(path) ?? 0)
    }
}

/// Lets one server at a time change the process's umask around its bind (servers in one process,
/// as in tests, would otherwise restore each other's umask).
private actor UmaskGate {
    static let shared = UmaskGate()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}

/// The open connections, so that shutdown can close them.
private final class ConnectionRegistry: Sendable {
    private let channels = Mutex([ObjectIdentifier: any Channel]())

    func add(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { _ in _ = self.channels.withLock { $0.removeValue(forKey: key) } }
    }

    func closeAll() {
        for channel in channels.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }
}

/// The socket file on disk.
enum SocketFile {
    /// Removes a socket file nobody answers on; refuses if a hub is live there or the path is
    /// not a socket.
    static func clearStale(_ path: String) throws(HubError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw HubError(.failedPrecondition, "\(path) exists and is not a socket: refusing to replace it")
        }
        if AdminSocketProbe.accepts(at: path) {
            throw HubError(.alreadyExists, "a hub is already running on \(path): stop it first")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw HubError(.storage, "cannot remove the stale socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func inode(_ path: String) -> ino_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_ino : nil
    }

    /// Removes the socket file if it is still the one this server created.
    static func remove(_ path: String, ifInode inode: ino_t) {
        if self.inode(path) == inode { unlink(path) }
    }
}
