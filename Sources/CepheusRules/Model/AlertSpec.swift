import CepheusCore

/// The `alert:` section of a rule: how a completed match becomes an alert.
public struct AlertSpec: Sendable {
    /// `nil`: the rule's description, else its id.
    public var title: Template?
    /// Field name -> expression over the completed match, in file order.
    public var fields: [(String, CompiledExpression)]
    public var notify: [String]
    /// Minimum event-time distance in milliseconds between two alerts of one (rule, key).
    public var throttle: Int64?

    public init(title: Template? = nil, fields: [(String, CompiledExpression)] = [], notify: [String] = [], throttle: Int64? = nil) {
        self.title = title
        self.fields = fields
        self.notify = notify
        self.throttle = throttle
    }
}
