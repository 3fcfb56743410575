import Dispatch
import Foundation
import HubCore
import Synchronization

/// Events from hub tasks and signal handlers to the UI thread, which sleeps in `poll` on the
/// terminal and on `wakeDescriptor`: posting writes one byte there (only when none is pending), so
/// hub answers are drawn at once instead of at the next key timeout.
final class Mailbox: Sendable {
    private let events = Mutex<[HubEvent]>([])
    private let quit = Atomic<Bool>(false)
    private let signaled = Atomic<Bool>(false)
    /// The read end of the wake-up pipe (non-blocking).
    let wakeDescriptor: Int32
    private let wakeWriter: Int32

    init() {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
        }
        wakeDescriptor = ends[0]
        wakeWriter = ends[1]
    }

    deinit {
        close(wakeDescriptor)
        close(wakeWriter)
    }

    func post(_ event: HubEvent) {
        events.withLock { $0.append(event) }
        wake()
    }

    /// Everything posted so far. Clears the wake-up first, so a post racing with this call wakes the
    /// loop again rather than being missed.
    func drain() -> [HubEvent] {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeDescriptor, &buffer, buffer.count) > 0 {}
        signaled.store(false, ordering: .sequentiallyConsistent)
        return events.withLock { queue in defer { queue.removeAll(keepingCapacity: true) }; return queue }
    }

    func requestQuit() {
        quit.store(true, ordering: .sequentiallyConsistent)
        wake()
    }

    var quitRequested: Bool { quit.load(ordering: .sequentiallyConsistent) }

    private func wake() {
        guard !signaled.exchange(true, ordering: .sequentiallyConsistent) else { return }
        var byte: UInt8 = 1
        _ = write(wakeWriter, &byte, 1)
    }
}

/// The UI thread: reads keys, folds hub events into the state, renders data changes at up to 5 frames a
/// second (keys at once), and paints through ``CursesTerminal``.
///
/// `@unchecked Sendable`: it is created on the caller's task and then handed to exactly one thread,
/// the UI thread, which is the only one that touches it afterwards (other threads reach it only
/// through `mailbox`, which is itself thread-safe).
final class UILoop: @unchecked Sendable {
    let mailbox = Mailbox()
    private let bridge: HubBridge
    private var state: ConsoleState
    private var theme: Theme
    private let themes: ThemeLibrary
    private let terminal: CursesTerminal
    private let log: TimingLog?
    /// Where to write the text of each painted frame (`AIGNE_HUB_CONSOLE_SCREEN_FILE`): tests compare it
    /// with what the terminal shows. Nil: nowhere.
    private let screenFile: String?
    private var lastScreenText = ""
    private var loaded: Set<String> = []
    private var signals: [any DispatchSourceSignal] = []
    /// The dispositions the signals had before, restored on exit (the demo's own handlers keep working).
    private var previousHandlers: [(Int32, (@convention(c) (Int32) -> Void)?)] = []
    /// Data-driven redraws: at most 5 a second, so every 4 Hz batch of the live feed gets its frame.
    static let dataFrameInterval = Duration.milliseconds(200)

    init(bridge: HubBridge, state: ConsoleState, theme: Theme, themes: ThemeLibrary, forceMono: Bool, log: TimingLog?,
         screenFile: String? = nil) throws {
        self.bridge = bridge
        self.screenFile = screenFile
        self.state = state
        self.theme = theme
        self.themes = themes
        self.log = log
        terminal = try CursesTerminal(forceMono: forceMono)
        if terminal.depth == .mono, !forceMono, let mono = try? themes.load("mono") { self.theme = mono }
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            previousHandlers.append((signalNumber, signal(signalNumber, SIG_IGN)))
            let source = DispatchSource.makeSignalSource(signal: signalNumber)
            source.setEventHandler { [mailbox] in mailbox.requestQuit() }
            source.resume()
            signals.append(source)
        }
    }

    func run() {
        defer {
            terminal.stop()
            signals.forEach { $0.cancel() }
            for (signalNumber, handler) in previousHandlers { signal(signalNumber, handler) }
        }
        dispatch(state.start())
        render()
        log?.record("first paint")
        var lastFrame = ContinuousClock.now
        var lastTick = Date()
        var dirty = false
        while !mailbox.quitRequested {
            // Sleep until a key, a hub event, or 100 ms (the clock, and resizes ncurses saw).
            var descriptors = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: mailbox.wakeDescriptor, events: Int16(POLLIN), revents: 0)]
            _ = poll(&descriptors, 2, 100)
            var pressed = false  // something the user is waiting for: draw now
            while let key = terminal.readKey(timeoutMs: 0) {
                if key == .resize { terminal.invalidate() }
                let effects = state.handle(key)
                if effects.contains(.quit) { return }
                dispatch(effects)
                pressed = true
            }
            for event in mailbox.drain() {
                note(event)
                dispatch(state.apply(event))
                dirty = true
                // Answers to what the user did are drawn at once; the live feed at most 5 times a second.
                if case .notification = event {} else { pressed = true }
            }
            if Date().timeIntervalSince(lastTick) >= 1 {
                lastTick = Date()
                dirty = true
            }
            if pressed || (dirty && ContinuousClock.now - lastFrame >= Self.dataFrameInterval) {
                render()
                lastFrame = .now
                dirty = false
            }
        }
    }

    private func render() {
        _ = state.apply(.tick(Date()))
        let size = terminal.size
        let model = ConsoleView.render(state, theme: theme, width: size.width, height: size.height)
        terminal.paint(model)
        if let screenFile, case let text = model.text, text != lastScreenText {
            lastScreenText = text
            try? Data(text.utf8).write(to: URL(fileURLWithPath: screenFile), options: .atomic)
        }
    }

    private func dispatch(_ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .load(let query):
                Task { [bridge, mailbox] in mailbox.post(await bridge.load(query)) }
            case .perform(let mutation):
                Task { [bridge, mailbox] in mailbox.post(await bridge.perform(mutation)) }
            case .setTheme(let name):
                do {
                    theme = try themes.load(name)
                    terminal.invalidate()
                    mailbox.post(.themeChanged(theme))
                } catch {
                    mailbox.post(.failed(error.message))
                }
            case .quit:
                mailbox.requestQuit()
            }
        }
    }

    /// Records when the first data arrives and when every pane has its data (for the benchmark).
    private func note(_ event: HubEvent) {
        guard let log else { return }
        let kind: String? = switch event {
        case .settings: "settings"
        case .users: "users"
        case .providers: "providers"
        case .credentials: "credentials"
        case .rates: "rates"
        case .unpriced: "unpriced"
        default: nil
        }
        guard let kind, loaded.insert(kind).inserted else { return }
        if kind == "settings" {
            render()
            log.record("first frame with data (mode pane)")
        }
        if loaded.count == 6 {
            render()
            log.record("all panes loaded")
        }
    }
}
