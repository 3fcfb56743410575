import ArgumentParser
import Foundation
import HubConsole
import HubCore

/// `aigne-hub console`: the terminal console (panes Mode, Providers, Users, Pricing, Live).
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Open the terminal console on a hub (its admin socket if it answers, else its database).",
        discussion: """
            Keys: 1-5 or Tab switch panes, ? shows every key, / filters, : runs a command \
            (:user NAME, :theme NAME, :lang zh-TW, :quit), q goes back or quits. Themes are looked up in \
            $AIGNE_HUB_THEMES, $XDG_CONFIG_HOME/aigne-hub/themes and the themes/ directory shipped with the binary.
            """
    )

    @OptionGroup var hub: HubOptions

    @Option(name: .long, help: ArgumentHelp("A theme name (default, light, dark-256, solarized, high-contrast, mono, ...) or a theme file.", valueName: "name|file"))
    var theme: String?

    @Option(name: .long, help: ArgumentHelp("The language: en or zh-TW (default: from the locale).", valueName: "lang"))
    var lang: String?

    @Flag(name: .long, help: "Show everything, change nothing: mutating keys are hidden and refused.")
    var readOnly = false

    @Option(name: .long, help: ArgumentHelp("Append start-up timings to this file.", valueName: "file"), completion: .file())
    var timingLog: String?

    func run() async throws {
        do {
            let language = try Language.pick(lang)
            let connection = try await hub.connect(surface: "console")
            let options = ConsoleOptions(theme: theme, language: language, readOnly: readOnly, logFile: timingLog)
            try await ConsoleApp.run(on: connection, options: options)
        } catch let error as ConsoleError {
            // Theme, language and terminal problems: one line, and the terminal is already restored.
            throw HubError.invalid(error.message)
        }
    }
}
