import HubCore

/// Dialogs over the pane: help (from the key tables), forms, confirmations and messages.
enum ModalView {
    static func draw(_ modal: Modal, state: ConsoleState, in area: Rect, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings
        switch modal {
        case .help:
            drawHelp(helpLines(state), title: t(.helpTitle, t(state.pane.title)), closeHint: t(.closeHint),
                     in: area, on: &screen, theme: theme)
        case .message(let title, let lines):
            let rect = area.centered(width: max(40, (lines.map { DisplayWidth.of($0) }.max() ?? 0) + 6), height: lines.count + 4)
            Drawing.box(rect, title: title, on: &screen, theme: theme)
            for (index, line) in lines.prefix(rect.height - 3).enumerated() {
                screen.put(line, x: rect.x + 2, y: rect.y + 1 + index, style: theme[.dialog], limit: rect.width - 4)
            }
            screen.put(t(.closeHint), x: rect.x + 2, y: rect.maxY - 2, style: theme[.textDim], limit: rect.width - 4)
        case .form(let form):
            drawForm(form, t: t, in: area, on: &screen, theme: theme)
        case .confirm(let confirm):
            let extra = confirm.requiredWord == nil ? 0 : 2
            let width = min(area.width - 2, max(50, (confirm.lines.map { DisplayWidth.of($0) }.max() ?? 0) + 6))
            let lines = confirm.lines.flatMap { line in line.isEmpty ? [""] : ConsoleView.wrap(line, width: width - 4) }
            let rect = area.centered(width: width, height: lines.count + 4 + extra)
            Drawing.box(rect, title: confirm.title, on: &screen, theme: theme)
            var y = rect.y + 1
            for line in lines where y < rect.maxY - 2 - extra {
                let role: Role = line.hasPrefix("⚠") ? .statusWarn : .dialog
                screen.put(line, x: rect.x + 2, y: y, style: theme[role], limit: rect.width - 4)
                y += 1
            }
            if let word = confirm.requiredWord {
                y += 1
                let x = screen.put("› ", x: rect.x + 2, y: y, style: theme[.dialog])
                screen.put(TextFit.pad(confirm.typed.display + "▏", to: min(DisplayWidth.of(word) + 4, rect.maxX - x - 3)), x: x, y: y,
                           style: theme[.input])
            }
            screen.put(t(confirm.requiredWord == nil ? .confirmHint : .confirmTypedHint), x: rect.x + 2, y: rect.maxY - 2,
                       style: theme[.textDim], limit: rect.width - 4)
        }
    }

    private static func drawForm(_ form: FormModel, t: Strings, in area: Rect, on screen: inout ScreenModel, theme: Theme) {
        let labelWidth = min(18, (form.fields.map { DisplayWidth.of($0.label) }.max() ?? 0) + 1)
        let rect = area.centered(width: 64, height: form.fields.count + 5)
        Drawing.box(rect, title: form.title, on: &screen, theme: theme)
        for (index, field) in form.fields.enumerated() {
            let y = rect.y + 1 + index
            let focused = index == form.focus
            screen.put((focused ? "› " : "  ") + TextFit.pad(field.label, to: labelWidth), x: rect.x + 1, y: y,
                       style: theme[focused ? .footerKey : .dialog])
            let x = rect.x + 4 + labelWidth
            let shown = field.input.display + (focused ? "▏" : "")
            screen.put(TextFit.pad(TextFit.truncateLeading(shown, to: rect.maxX - x - 2), to: rect.maxX - x - 2), x: x, y: y,
                       style: theme[.input])
        }
        if let error = form.error {
            screen.put("✗ " + error, x: rect.x + 2, y: rect.maxY - 3, style: theme[.statusError], limit: rect.width - 4)
        }
        screen.put(t(.formHint), x: rect.x + 2, y: rect.maxY - 2, style: theme[.textDim], limit: rect.width - 4)
    }

    /// Key lines in one column, or two when they do not fit the height; the last line spans the box.
    private static func drawHelp(_ lines: [(key: String, text: String)], title: String, closeHint: String, in area: Rect,
                                 on screen: inout ScreenModel, theme: Theme) {
        let body = Array(lines.dropLast())
        let width = body.count + 6 > area.height ? min(100, area.width) : 64
        let columns = width == 64 ? 1 : 2
        let note = ConsoleView.wrap(lines.last?.text ?? "", width: width - 4)
        let perColumn = (body.count + columns - 1) / columns
        let rect = area.centered(width: width, height: perColumn + 3 + note.count)
        Drawing.box(rect, title: title, on: &screen, theme: theme)
        let columnWidth = (rect.width - 2) / columns
        let noteY = rect.maxY - 2 - note.count
        for (index, line) in body.enumerated() {
            let x = rect.x + 2 + (index / perColumn) * columnWidth
            let y = rect.y + 1 + index % perColumn
            guard y < noteY else { continue }
            screen.put(line.key, x: x, y: y, style: theme[.footerKey], limit: 14)
            screen.put(line.text, x: x + 15, y: y, style: theme[.dialog], limit: columnWidth - 17)
        }
        for (index, line) in note.enumerated() {
            screen.put(line, x: rect.x + 2, y: noteY + index, style: theme[.dialog], limit: rect.width - 4)
        }
        screen.put(closeHint, x: rect.x + 2, y: rect.maxY - 2, style: theme[.textDim], limit: rect.width - 4)
    }

    /// The help text: this pane's keys, then the global ones, from the same tables the dispatcher uses.
    static func helpLines(_ state: ConsoleState) -> [(key: String, text: String)] {
        let t = state.strings
        func line(_ binding: Binding) -> (key: String, text: String) {
            let keys = binding.action == .goTo(.mode) ? "1-\(PaneID.allCases.count)" : binding.keys.map(\.label).joined(separator: " ")
            return (keys, t(binding.help))
        }
        return state.paneBindings.map(line) + [("", ""), ("", t(.helpGlobalSection))] + KeyTable.global.map(line)
            + [("", t(.helpCommandsLine))]
    }
}
