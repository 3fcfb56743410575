import Foundation
import HubAdmin
import HubCore

/// What the panes show: the latest answers from the hub.
struct HubData: Sendable {
    var settings: HubSettings?
    var providers: [ProviderHealth] = []
    var credentials: [CredentialInfo] = []
    var users: [UserSummary] = []
    var userDetail: UserDetail?
    var rates: [RateInfo] = []
    var unpriced: [String] = []
    /// Where the hub keeps its state and the nodes serving from it (the header's node count).
    var cluster: (database: StoreKind, nodes: [NodeStatus])?
    var billing = BillingData()
    var live = LiveModel()
    var updatedAt: Date?
}

/// A line in the status bar; errors stay until replaced, others fade after a few seconds.
struct StatusMessage: Sendable, Equatable {
    enum Kind: Sendable { case ok, warn, error }
    var text: String
    var kind: Kind
    var at: Date
}

/// The line at the bottom while typing a filter or a command.
enum InputLine: Sendable, Equatable {
    case filter(TextField)
    case command(TextField)
}

/// The console as a state machine: keys and hub events in, ``Effect``s out. No terminal, no hub:
/// tests drive it directly, and ``ConsoleView`` renders it.
public struct ConsoleState: Sendable {
    public internal(set) var pane: PaneID = .mode
    public let readOnly: Bool
    public internal(set) var strings: Strings
    /// Where the console is connected, as the header shows it.
    public let endpoint: HubEndpoint
    public internal(set) var now: Date
    public internal(set) var themeName: String
    var data = HubData()
    /// The Billing pane's view, and the cursor row of each view.
    var billingSection: BillingSection = .payments
    var billingSelection: [BillingSection: Int] = [:]
    var modal: Modal?
    var input: InputLine?
    var filters: [PaneID: String] = [:]
    var selection: [PaneID: Int] = [:]
    /// The user whose detail is open in the Users pane.
    var openUser: String?
    var keySelection = 0
    var credentialsFocused = false
    var credentialSelection = 0
    var status: StatusMessage?
    var commandHistory: [String] = []
    var statsTicks = 0
    /// When the nodes are next asked for (every ``nodesInterval``).
    var nodesDueAt = Date.distantPast
    static let nodesInterval: TimeInterval = 5
    /// True while the user list is the hub's answer to a search rather than the first page.
    var searchedUsers = false
    /// `:low`: the Users pane lists only users under the low-balance threshold.
    var lowBalanceOnly = false
    /// Teams, budgets, limits and the chargeback view.
    var gov = GovernanceState()
    /// Users loaded without a search (the first page, by name).
    static let userListLimit = 1_000

    public init(endpoint: HubEndpoint, readOnly: Bool, strings: Strings, themeName: String, now: Date = Date()) {
        self.endpoint = endpoint
        self.readOnly = readOnly
        self.strings = strings
        self.themeName = themeName
        self.now = now
    }

    /// The loads of the first frame.
    public func start() -> [Effect] {
        [.load(.settings), .load(.nodes), .load(.users), .load(.providers), .load(.credentials), .load(.rates), .load(.unpriced),
         .load(.governance(.overview))]
            + Self.billingStartLoads
    }

    /// The bindings the current pane offers, without the mutating ones in read-only mode.
    var paneBindings: [Binding] { KeyTable.pane(pane, section: billingSection).filter { !readOnly || !$0.mutates } }

    // MARK: - Keys

    /// Handles one key; returns what the runner must do.
    public mutating func handle(_ key: Key) -> [Effect] {
        if key == .resize { return [] }
        if modal != nil { return handleModal(key) }
        if input != nil { return handleInput(key) }
        guard let binding = KeyTable.action(for: key, on: pane, section: billingSection) else { return [] }
        if binding.mutates && readOnly {
            setStatus(strings(.readOnlyRefused), .error)
            return []
        }
        return perform(binding.action, key: key)
    }

    mutating func perform(_ action: Action, key: Key) -> [Effect] {
        switch action {
        case .goTo(let target): return enter(target)
        case .nextPane: return enter(PaneID(rawValue: pane.rawValue % PaneID.allCases.count + 1)!)
        case .previousPane:
            return enter(PaneID(rawValue: (pane.rawValue + PaneID.allCases.count - 2) % PaneID.allCases.count + 1)!)
        case .help: modal = .help
        case .filter: input = .filter(TextField(filters[pane] ?? ""))
        case .command: input = .command(TextField())
        case .refresh: return refreshEffects()
        case .back: return back(key)
        case .quit: return [.quit]
        case .up: move(by: -1)
        case .down: move(by: 1)
        case .pageUp: move(by: -10)
        case .pageDown: move(by: 10)
        case .top: move(by: -1_000_000)
        case .bottom: move(by: 1_000_000)
        case .pause:
            data.live.paused.toggle()
            setStatus(strings(data.live.paused ? .livePaused : .liveResumed), .ok)
        default: return paneAction(action)
        }
        return []
    }

    /// Shows `target`; the billing panes load their data as they are entered.
    mutating func enter(_ target: PaneID) -> [Effect] {
        pane = target
        return billingLoads
    }

    private mutating func back(_ key: Key) -> [Effect] {
        if let effects = governanceBack() { return effects }
        if openUser != nil {
            openUser = nil
        } else if credentialsFocused {
            credentialsFocused = false
        } else if !(filters[pane] ?? "").isEmpty {
            filters[pane] = nil
            if pane == .users, searchedUsers { return [.load(usersQuery)] }
        } else if pane == .users, lowBalanceOnly {
            lowBalanceOnly = false
            return [.load(usersQuery)]
        } else if key == .character("q") {
            return [.quit]
        } else {
            status = nil
        }
        return []
    }

    func refreshEffects() -> [Effect] {
        switch pane {
        case .mode: [.load(.settings)]
        case .providers: [.load(.providers), .load(.credentials)]
        case .users: [.load(usersQuery), .load(.governance(.overview))] + (openUser.map { [.load(.userDetail($0))] } ?? [])
        case .pricing: [.load(.rates), .load(.unpriced)]
        case .live: [.load(.users), .load(.providers)]
        case .teams: governanceRefresh()
        case .billing, .revenue: billingLoads
        }
    }

    /// How many rows the current list has (what the cursor moves over).
    var currentListCount: Int {
        switch pane {
        case .mode: SettingField.allCases.count
        case .providers: credentialsFocused ? selectedProviderCredentials.count : visibleProviders.count
        case .users: openUser != nil ? (data.userDetail?.keys.count ?? 0) : visibleUsers.count
        case .pricing: visiblePricingRows.count
        case .live: 0
        case .teams: gov.view == .teams && gov.openTeam == nil ? visibleTeams.count : 0
        case .billing: billingRowCount
        case .revenue: data.billing.revenue.count
        }
    }

    mutating func move(by delta: Int) {
        let count = currentListCount
        func clamp(_ value: Int) -> Int { max(0, min(count - 1, value)) }
        if pane == .users, openUser != nil {
            keySelection = clamp(keySelection + delta)
        } else if pane == .providers, credentialsFocused {
            credentialSelection = clamp(credentialSelection + delta)
        } else if pane == .billing {
            billingSelection[billingSection] = clamp(billingIndex + delta)
        } else {
            selection[pane] = clamp((selection[pane] ?? 0) + delta)
        }
    }

    /// The cursor row of the pane's main list, kept inside the list.
    func selectedIndex(_ pane: PaneID, count: Int) -> Int { max(0, min(count - 1, selection[pane] ?? 0)) }

    mutating func setStatus(_ text: String, _ kind: StatusMessage.Kind) {
        status = StatusMessage(text: text, kind: kind, at: now)
    }

    // MARK: - Filter and command line

    private mutating func handleInput(_ key: Key) -> [Effect] {
        guard let line = input else { return [] }
        switch (line, key) {
        case (.filter, .escape):
            filters[pane] = nil
            input = nil
            return searchedUsers ? [.load(usersQuery)] : []
        case (.filter(let field), .enter):
            filters[pane] = field.text.isEmpty ? nil : field.text
            selection[pane] = 0
            input = nil
            return userSearch(field.text)
        case (.filter(var field), _):
            if field.handle(key) {
                input = .filter(field)
                filters[pane] = field.text.isEmpty ? nil : field.text
                selection[pane] = 0
            }
        case (.command, .escape):
            input = nil
        case (.command(let field), .enter):
            input = nil
            commandHistory.append(field.text)
            return runCommand(field.text)
        case (.command(var field), .tab):
            field.text = CommandParser.complete(field.text)
            input = .command(field)
        case (.command(var field), .up):
            if let last = commandHistory.last(where: { $0 != field.text }) { field.text = last }
            input = .command(field)
        case (.command(var field), _):
            if field.handle(key) { input = .command(field) }
        }
        return []
    }

    /// The user list holds at most ``userListLimit`` users; a plain-text filter on a full list asks the
    /// hub to search (`users.summaries` with a filter), so users beyond the first page are found too.
    private mutating func userSearch(_ text: String) -> [Effect] {
        guard pane == .users else { return [] }
        let plain = !text.isEmpty && !text.hasPrefix("!") && text.allSatisfy { !"\\^$.|?*+()[]{}".contains($0) }
        if plain, data.users.count >= Self.userListLimit || searchedUsers {
            searchedUsers = true
            return [.load(.userSearch(text))]
        }
        if text.isEmpty, searchedUsers { return [.load(usersQuery)] }
        return []
    }

    /// How to reload the user list: the low-balance users, the current search, or the first page.
    var usersQuery: Query {
        if lowBalanceOnly { return .lowBalanceUsers }
        if searchedUsers, let text = filters[.users] { return .userSearch(text) }
        return .users
    }

    private mutating func runCommand(_ text: String) -> [Effect] {
        switch CommandParser.parse(text) {
        case .pane(let target):
            return enter(target)
        case .user(let name):
            guard data.users.contains(where: { $0.user.name.lowercased() == name.lowercased() }) else {
                setStatus("✗ " + strings(.noSuchUser, name), .error)
                return []
            }
            pane = .users
            openUser = name
            keySelection = 0
            return [.load(.userDetail(name))]
        case .theme(let name):
            return [.setTheme(name)]
        case .language(let language):
            strings = Strings(language)
        case .quit:
            return [.quit]
        case .lowBalance:
            pane = .users
            openUser = nil
            guard let settings = data.settings, settings.hasLowBalanceThreshold else {
                setStatus(strings(.noLowBalanceThreshold), .warn)
                return []
            }
            lowBalanceOnly = true
            selection[.users] = 0
            return [.load(usersQuery)]
        case .refresh:
            return refreshEffects()
        case .chargeback(let month):
            return showChargeback(month: month)
        case .unknown(let message):
            setStatus(strings(.unknownCommand, message), .error)
        }
        return []
    }
}
