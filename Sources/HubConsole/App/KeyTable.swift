/// The panes, in tab order; the raw value is the digit that jumps to the pane.
public enum PaneID: Int, CaseIterable, Sendable {
    case mode = 1, providers, users, pricing, live
    case billing, revenue, teams

    var title: Phrase {
        switch self {
        case .mode: .paneMode
        case .providers: .paneProviders
        case .users: .paneUsers
        case .pricing: .panePricing
        case .live: .paneLive
        case .teams: .govPaneTeams
        case .billing: .paneBilling
        case .revenue: .paneRevenue
        }
    }
}

/// Everything a key can do. Panes declare which actions they offer in their key tables.
public enum Action: Hashable, Sendable {
    case goTo(PaneID), nextPane, previousPane
    case help, filter, command, refresh, back, quit
    case up, down, top, bottom, pageUp, pageDown, open
    case pause
    case switchMode, editSetting
    case addProvider, editProvider, toggleEnabled, remove, addCredential
    case addUser, grant, deduct, toggleSuspend, createKey, revokeKey
    case setRate, editRate, rateHistory
    case governance(GovernanceAction)
    case billing(BillingAction)
}

/// One entry of a key table: the keys, what they do, and the help text. The footer, the `?` help
/// and the dispatcher all read the same tables, so they cannot disagree.
public struct Binding: Sendable {
    public var keys: [Key]
    public var action: Action
    public var help: Phrase
    /// Changes the hub: hidden and refused in read-only mode.
    public var mutates: Bool
    /// Shown in the footer (the rest only in `?` help).
    public var inFooter: Bool

    init(_ keys: [Key], _ action: Action, _ help: Phrase, mutates: Bool = false, footer: Bool = true) {
        self.keys = keys
        self.action = action
        self.help = help
        self.mutates = mutates
        self.inFooter = footer
    }
}

enum KeyTable {
    /// Keys that work on every pane.
    static let global: [Binding] = [
        Binding(PaneID.allCases.map { .character(Character(String($0.rawValue))) }, .goTo(.mode), .helpPanes, footer: false),
        Binding([.tab], .nextPane, .helpNextPane, footer: false),
        Binding([.backTab], .previousPane, .helpPreviousPane, footer: false),
        Binding([.up, .character("k")], .up, .helpUp, footer: false),
        Binding([.down, .character("j")], .down, .helpDown, footer: false),
        Binding([.home, .character("g")], .top, .helpTop, footer: false),
        Binding([.end, .character("G")], .bottom, .helpBottom, footer: false),
        Binding([.pageUp], .pageUp, .helpPageUp, footer: false),
        Binding([.pageDown], .pageDown, .helpPageDown, footer: false),
        Binding([.character("/"), .function(4)], .filter, .helpFilter),
        Binding([.function(3)], .filter, .helpSearch, footer: false),
        Binding([.character(":")], .command, .helpCommand),
        Binding([.ctrl("r")], .refresh, .helpRefresh, footer: false),
        Binding([.character("?"), .function(1)], .help, .helpHelp),
        Binding([.escape, .character("q")], .back, .helpBack),
        Binding([.function(10)], .quit, .helpQuit, footer: false),
    ]

    /// `section`: the Billing pane's current view (its keys depend on it).
    static func pane(_ pane: PaneID, section: BillingSection = .payments) -> [Binding] {
        switch pane {
        case .mode:
            [Binding([.character("m")], .switchMode, .helpSwitchMode, mutates: true),
             Binding([.enter, .character("e")], .editSetting, .helpEditSetting, mutates: true)]
        case .providers:
            [Binding([.enter], .open, .helpFocusCredentials),
             Binding([.character("a")], .addProvider, .helpAddProvider, mutates: true),
             Binding([.character("c")], .addCredential, .helpAddCredential, mutates: true),
             Binding([.character("e")], .editProvider, .helpEditProvider, mutates: true),
             Binding([.character("t")], .toggleEnabled, .helpToggleEnabled, mutates: true),
             Binding([.character("d")], .remove, .helpRemove, mutates: true)]
        case .users:
            [Binding([.enter], .open, .helpOpenUser),
             Binding([.character("+")], .grant, .helpGrant, mutates: true),
             Binding([.character("-")], .deduct, .helpDeduct, mutates: true),
             Binding([.character("s")], .toggleSuspend, .helpSuspend, mutates: true),
             Binding([.character("n")], .createKey, .helpCreateKey, mutates: true),
             Binding([.character("x")], .revokeKey, .helpRevokeKey, mutates: true),
             Binding([.character("a")], .addUser, .helpAddUser, mutates: true)] + GovernanceKeys.users
        case .pricing:
            [Binding([.enter], .rateHistory, .helpRateHistory),
             Binding([.character("a")], .setRate, .helpSetRate, mutates: true),
             Binding([.character("e")], .editRate, .helpEditRate, mutates: true),
             Binding([.character("d")], .remove, .helpRemoveRate, mutates: true)]
        case .live:
            [Binding([.character("p")], .pause, .helpPause)]
        case .teams:
            GovernanceKeys.teams
        case .billing: BillingKeys.bindings(section)
        case .revenue: BillingKeys.revenue
        }
    }

    /// What `key` does on `pane`: the pane's table first, then the global one.
    static func action(for key: Key, on pane: PaneID, section: BillingSection = .payments) -> Binding? {
        if case .character(let c) = key, let digit = c.wholeNumberValue, let target = PaneID(rawValue: digit) {
            return Binding([key], .goTo(target), .helpPanes)
        }
        return (self.pane(pane, section: section) + global).first { $0.keys.contains(key) }
    }
}
