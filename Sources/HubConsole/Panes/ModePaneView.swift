import HubCore

/// Pane 1: the deployment mode, what it means, and the service-provider settings.
enum ModePaneView {
    static func draw(_ state: ConsoleState, in rect: Rect, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings
        guard let settings = state.data.settings else {
            screen.put(t(.loading), x: 1, y: rect.y + 1, style: theme[.textDim])
            return
        }
        let enterprise = settings.mode == .enterprise
        var y = rect.y + 1
        let end = screen.put(t(.modeCurrent) + ": ", x: 1, y: y, style: theme[.tableHeader])
        screen.put("◆ " + t(enterprise ? .modeEnterprise : .modeServiceProvider) + " (\(settings.mode.rawValue))",
                   x: end, y: y, style: theme[.statusOk])
        y += 1
        for line in ConsoleView.wrap(t(enterprise ? .modeEnterpriseMeaning : .modeServiceMeaning), width: rect.width - 4) {
            screen.put(line, x: 3, y: y, style: theme[.text])
            y += 1
        }
        if !state.readOnly {
            screen.put(t(.modeSwitchHint), x: 3, y: y, style: theme[.textDim], limit: rect.width - 4)
        }
        y += 2
        Drawing.heading(t(.settingsTitle), x: 1, y: y, width: rect.width - 2, on: &screen, theme: theme)
        let rows = SettingField.allCases.map { field -> TableRow in
            let value: String = switch field {
            case .starterCreditsEnabled: SettingText.flag(settings.starterCreditsEnabled, t)
            case .allowUnpricedModels: SettingText.flag(settings.allowUnpricedModels, t)
            case .paymentLink: settings.paymentLink ?? "–"
            case .starterCreditsExpireDays: settings.starterCreditsExpireDays.map { t(.starterExpiryDays, String($0)) } ?? t(.never)
            default: SettingText.value(field, settings)
            }
            return TableRow(cells: [t(SettingText.label(field)), value])
        }
        TableView.draw([TableColumn(title: "", width: 26), TableColumn(title: "", width: 40, flexible: true)], rows,
                       selected: state.selectedIndex(.mode, count: rows.count),
                       in: Rect(x: 1, y: y + 1, width: rect.width - 2, height: min(rows.count + 1, rect.maxY - y - 1)),
                       on: &screen, theme: theme, emptyText: "")
    }
}
