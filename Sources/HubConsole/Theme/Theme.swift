/// The semantic roles a theme styles; panes and widgets ask for roles, never for colours.
public enum Role: String, CaseIterable, Sendable {
    case text
    case textDim = "text.dim"
    case header
    case tab
    case tabActive = "tab.active"
    case footer
    case footerKey = "footer.key"
    case status
    case statusOk = "status.ok"
    case statusWarn = "status.warn"
    case statusError = "status.error"
    case tableHeader = "table.header"
    case rowSelected = "row.selected"
    case moneyPositive = "money.positive"
    case moneyNegative = "money.negative"
    case chart
    case dialog
    case dialogTitle = "dialog.title"
    case border
    case input
}

/// A named set of styles, one per role.
public struct Theme: Sendable, Equatable {
    public var name: String
    public var styles: [Role: Style]

    public subscript(role: Role) -> Style { styles[role] ?? .plain }

    /// The default theme (16 ANSI colours), built in so that the console works with no theme files.
    public static let builtinDefault: Theme = {
        do {
            return try ThemeParser.parse(BuiltinTheme.yaml, file: "<built-in default>", over: Theme(name: "", styles: [:]))
        } catch {
            preconditionFailure("the built-in theme does not parse: \(error)")  // covered by ThemeTests
        }
    }()
}

/// The built-in default theme; `themes/default.yaml` is the same text (a test keeps them equal).
enum BuiltinTheme {
    static let yaml = """
        # default: the 16 ANSI colours only, so the terminal's own palette shows.
        name: default
        palette:
          accent: cyan
          ink: black
          good: green
          bad: red
          warn: yellow
          muted: bright-black
        roles:
          text: { fg: default, bg: default }
          text.dim: { fg: muted, dim: true }
          header: { fg: ink, bg: accent, bold: true }
          tab: { fg: default }
          tab.active: { fg: ink, bg: accent, bold: true, underline: true }
          footer: { fg: default }
          footer.key: { fg: accent, bold: true }
          status: { fg: default }
          status.ok: { fg: good, bold: true }
          status.warn: { fg: warn, bold: true }
          status.error: { fg: bad, bold: true, reverse: false }
          table.header: { fg: accent, bold: true, underline: true }
          row.selected: { fg: ink, bg: accent, reverse: false, bold: true }
          money.positive: { fg: good }
          money.negative: { fg: bad }
          chart: { fg: accent }
          dialog: { fg: default, bg: default }
          dialog.title: { fg: ink, bg: accent, bold: true }
          border: { fg: accent }
          input: { fg: default, underline: true }

        """
}
