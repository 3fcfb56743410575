import ArgumentParser
import Foundation
import HubCore

private func parseKind(_ text: String) throws(HubError) -> ProviderKind { try Parse.choice(text, "provider kind") }

struct ProvidersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers", abstract: "Upstream AI providers.",
        subcommands: [Add.self, List.self, Update.self, Enable.self, Disable.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a provider.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "A short unique name, used in model names (openai/gpt-4o).") var name: String
        @Option(help: "openai-compatible, anthropic or gemini.", transform: parseKind) var kind: ProviderKind
        @Option(help: "The API's base URL, e.g. https://api.openai.com/v1.") var baseUrl: String
        @Option(help: "A name for people; defaults to the name.") var displayName: String?
        @Flag(help: "Add it disabled.") var disabled = false
        func run() async throws {
            let add = Admin.ProvidersAdd(name: name, kind: kind, baseUrl: baseUrl, displayName: displayName, enabled: !disabled)
            try await hub.run(add) { "Added provider \($0.name) (\($0.kind.rawValue), \($0.baseURL))." }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List providers.")
        @OptionGroup var hub: HubOptions
        func run() async throws { try await hub.run(Admin.ProvidersList(), render: Render.providers) }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a provider's name, kind, base URL or display name.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Provider name or id.") var provider: String
        @Option(help: "A new name.") var name: String?
        @Option(help: "A new kind.", transform: parseKind) var kind: ProviderKind?
        @Option(help: "A new base URL.") var baseUrl: String?
        @Option(help: "A new display name.") var displayName: String?
        func run() async throws {
            let update = Admin.ProvidersUpdate(provider: provider, name: name, kind: kind, baseUrl: baseUrl, displayName: displayName)
            try await hub.run(update) { "Provider \($0.name): \($0.kind.rawValue), \($0.baseURL)." }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Route to a provider again.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Provider name or id.") var provider: String
        func run() async throws { try await hub.run(Admin.ProvidersEnable(provider: provider)) { "\($0.name) is enabled." } }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop routing to a provider; keep its credentials and rates.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Provider name or id.") var provider: String
        func run() async throws { try await hub.run(Admin.ProvidersDisable(provider: provider)) { "\($0.name) is disabled." } }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a provider with its credentials and rates (usage history stays).")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Provider name or id.") var provider: String
        func run() async throws { try await hub.run(Admin.ProvidersRemove(provider: provider)) { _ in "Removed provider \(provider)." } }
    }
}

struct CredentialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials", abstract: "A provider's API keys, sealed at rest and shown masked.",
        subcommands: [Add.self, List.self, Update.self, Enable.self, Disable.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a credential. The secret is read from stdin or an environment variable, never from the command line.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Provider name or id.") var provider: String
        @Option(help: "A name for this credential, e.g. main.") var name: String
        @OptionGroup var secret: SecretInput
        @Option(help: "Share of traffic relative to the provider's other credentials (default 100).") var weight: Int?

        func validate() throws { try secret.validate(required: true) }

        func run() async throws {
            let add = Admin.CredentialsAdd(provider: provider, name: name, secret: try secret.read() ?? "", weight: weight)
            try await hub.run(add) { "Added credential \($0.provider)/\($0.name) (\($0.secretMasked), weight \($0.weight))." }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rename, re-weight or rotate the secret of a credential (the new secret from stdin or an environment variable).")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Provider name or id.") var provider: String
        @Argument(help: "Credential name or id.") var credential: String
        @Option(help: "A new name.") var name: String?
        @Option(help: "A new share of traffic.") var weight: Int?
        @OptionGroup var secret: SecretInput

        func validate() throws { try secret.validate(required: false) }

        func run() async throws {
            let update = Admin.CredentialsUpdate(provider: provider, credential: credential, name: name, weight: weight,
                                                 secret: try secret.read())
            try await hub.run(update) { "Credential \($0.provider)/\($0.name): \($0.secretMasked), weight \($0.weight)." }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List credentials, secrets masked.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Provider name or id.") var provider: String?
        func run() async throws { try await hub.run(Admin.CredentialsList(provider: provider), render: Render.credentials) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a credential back into rotation (clears its last error).")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Provider name or id.") var provider: String
        @Argument(help: "Credential name or id.") var credential: String
        func run() async throws {
            try await hub.run(Admin.CredentialsEnable(provider: provider, credential: credential)) { "\($0.provider)/\($0.name) is enabled." }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a credential out of rotation.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Provider name or id.") var provider: String
        @Argument(help: "Credential name or id.") var credential: String
        func run() async throws {
            try await hub.run(Admin.CredentialsDisable(provider: provider, credential: credential)) { "\($0.provider)/\($0.name) is disabled." }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a credential and its sealed secret.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "Provider name or id.") var provider: String
        @Argument(help: "Credential name or id.") var credential: String
        func run() async throws {
            try await hub.run(Admin.CredentialsRemove(provider: provider, credential: credential)) { _ in "Removed \(provider)/\(credential)." }
        }
    }
}

/// Where a provider secret comes from: standard input or an environment variable, never an argument
/// (arguments show in `ps` and in shell history).
struct SecretInput: ParsableArguments {
    @Flag(help: "Read the secret from the first line of standard input.") var secretStdin = false
    @Option(help: ArgumentHelp("Read the secret from this environment variable.", valueName: "var")) var secretEnv: String?

    func validate(required: Bool) throws {
        if secretStdin && secretEnv != nil { throw ValidationError("give one of --secret-stdin and --secret-env, not both") }
        if required && !secretStdin && secretEnv == nil { throw ValidationError("give --secret-stdin or --secret-env") }
    }

    /// The secret, or nil when neither option was given.
    func read() throws(HubError) -> String? {
        if let secretEnv {
            guard let value = ProcessInfo.processInfo.environment[secretEnv], !value.isEmpty else {
                throw HubError.invalid("environment variable \(secretEnv) is not set")
            }
            return value
        }
        guard secretStdin else { return nil }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw HubError.invalid("no secret on standard input") }
        return line
    }
}
