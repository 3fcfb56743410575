/// A console start-up failure (terminal, theme, language), with a message for the user.
public struct ConsoleError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
