import ArgumentParser
import Foundation
import HubCore

/// `aigne-hub`: the AI gateway, its console and its admin tools in one executable.
struct AigneHub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aigne-hub",
        abstract: "An AI gateway with prepaid credits or chargeback, administered from the terminal.",
        discussion: """
            The data directory holds the hub's database and secret key. It is --data-dir if given, \
            else $AIGNE_HUB_HOME, else $XDG_DATA_HOME/aigne-hub, else ~/.local/share/aigne-hub.
            """,
        version: HubVersion.current,
        subcommands: [
            InitCommand.self, AdminCommand.self, ServeCommand.self, MockUpstreamCommand.self,
            BenchCommand.self, AdminSocketCommand.self, ConsoleCommand.self, DemoCommand.self,
            MigrateCommand.self,
        ]
    )
}

/// Runs the command line and turns every failure into one line on stderr and a non-zero exit.
@main
enum Entry {
    static func main() async {
        do {
            var command = try AigneHub.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            CommandFailure.exit(with: error)
        }
    }
}
