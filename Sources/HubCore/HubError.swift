/// The one error type of the hub's domain: a stable machine-readable ``Code`` and a message
/// written for the person who will read it ("unknown user 'bob'", not "record not found").
///
/// Every layer above HubCore (the CLI, the admin socket, the HTTP gateway) maps these codes to
/// its own wire form; the message is passed through unchanged.
public struct HubError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    /// Stable codes: scripts and the admin protocol depend on their raw values.
    public enum Code: String, Codable, Sendable, CaseIterable {
        /// A parameter is malformed or out of range.
        case invalidArgument = "invalid_argument"
        /// The named user, key, provider, credential or rate does not exist.
        case notFound = "not_found"
        /// A unique name or key is already taken.
        case alreadyExists = "already_exists"
        /// The operation would take a balance below zero.
        case insufficientBalance = "insufficient_balance"
        /// An idempotency key or request id was already used: the operation was not applied again.
        case duplicate = "duplicate"
        /// The operation is not allowed in the current state (e.g. revoking a revoked key).
        case failedPrecondition = "failed_precondition"
        /// The secret key is missing, malformed, or not the one that sealed the stored secrets.
        case secretKey = "secret_key"
        /// The caller may not perform this operation.
        case permissionDenied = "permission_denied"
        /// The database could not be opened or written.
        case storage = "storage"
        /// The hub could not be reached.
        case unavailable = "unavailable"
        /// A bug: something that should not happen did.
        case `internal` = "internal"
    }

    public var code: Code
    public var message: String
    /// The message as a code and parameters, for clients that show it in another language (nil: the
    /// message is the only form).
    public var text: HubText?

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// An error whose message is `text` in English.
    public init(_ code: Code, _ text: HubText) {
        self.code = code
        self.message = text.english
        self.text = text
    }

    /// Errors are equal when their code and message are: ``text`` is the message in another form.
    public static func == (a: HubError, b: HubError) -> Bool { a.code == b.code && a.message == b.message }

    public var description: String { message }

    public static func invalid(_ message: String) -> HubError { HubError(.invalidArgument, message) }
    public static func notFound(_ message: String) -> HubError { HubError(.notFound, message) }
}
