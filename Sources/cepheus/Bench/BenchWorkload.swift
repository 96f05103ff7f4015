import CepheusRules

/// The standard benchmark patterns (issue 3, docs/performance.md): each alone, keyed by
/// user, `skip: past_last_event`, replayed with 1 s out-of-orderness over the events of
/// `../shared/bench/gen_events.py` — the same workload other engines are measured on.
enum BenchWorkload: String, CaseIterable {
    /// `fails` (login, not ok) `times: 5+`, then `success` (login, ok), within 10m.
    case p1
    /// `a` (type A) then `b` (type B), within 1m.
    case p2
    /// `a` (charge over 1000) then `b` (charge under 10 from another ip), within 5m.
    case p3
    /// The rules given with `--rules` (the shipped set, on `cepheus gen` events).
    case rules

    var yaml: String? {
        switch self {
        case .p1:
            return """
                id: p1
                key: user
                within: 10m
                skip: past_last_event
                pattern:
                  - name: fails
                    where: type == "login" && ok == false
                    times: 5+
                  - name: success
                    where: type == "login" && ok == true
                """
        case .p2:
            return """
                id: p2
                key: user
                within: 1m
                skip: past_last_event
                pattern:
                  - name: a
                    where: type == "A"
                  - name: b
                    where: type == "B"
                """
        case .p3:
            return """
                id: p3
                key: user
                within: 5m
                skip: past_last_event
                pattern:
                  - name: a
                    where: type == "charge" && amount > 1000
                  - name: b
                    where: type == "charge" && amount < 10 && ip != first(a).ip
                """
        case .rules:
            return nil
        }
    }

    /// The workload's rules, or `nil` after printing why not.
    func load(rulePaths: [String]) -> [Rule]? {
        guard let yaml else { return RuleSetLoading.load(rulePaths) }
        let loaded = RuleLoader.parse(yaml: yaml, file: "\(rawValue).yaml")
        for diagnostic in loaded.diagnostics { StandardError.write(diagnostic.description + "\n") }
        return loaded.hasErrors ? nil : loaded.rules
    }
}
