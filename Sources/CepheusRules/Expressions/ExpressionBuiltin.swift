/// The built-in functions of the expression language (rules.md section 4) and how
/// many arguments each takes. The method form `x.f(y)` passes `x` as the first one.
enum ExpressionBuiltin: String, Sendable, CaseIterable {
    case has, count, size, first, last, sum, avg, min, max, lower, upper, len
    case contains, startsWith, endsWith, matches, abs, int, float, string
    case distanceKm = "distance_km"

    /// The function called `name`, or `nil` when there is none.
    init?(name: String) {
        self.init(rawValue: name)
    }

    /// The number of arguments the function takes.
    var arity: Int {
        switch self {
        case .has, .count, .size, .first, .last, .sum, .avg, .min, .max, .lower, .upper, .len,
             .abs, .int, .float, .string:
            return 1
        case .contains, .startsWith, .endsWith, .matches:
            return 2
        case .distanceKm:
            return 4
        }
    }

    /// Functions whose arguments are expected to be scalars: a bare step name (a list of
    /// events) passed to them probably meant the field of that name.
    var expectsScalarArguments: Bool {
        switch self {
        case .has, .lower, .upper, .startsWith, .endsWith, .matches, .abs, .int, .float, .distanceKm:
            return true
        default:
            return false
        }
    }

    /// "f() takes 2 arguments" for arity errors.
    var arityDescription: String {
        "\(rawValue)() takes \(arity) argument\(arity == 1 ? "" : "s")"
    }
}
