import CepheusCore
import CepheusRules

/// Decides, where an event is parsed, which workers need it: the owners of the key
/// groups of its keys under every enabled rule (DESIGN.md, Hot path). Each distinct key
/// expression is evaluated once. Events no worker owns are dropped before they reach
/// an engine, and rules the event has no key for are counted here (`key_skipped`), once.
final class KeyRouter {
    private let extractors: [KeyExtractor]
    /// Per enabled rule: the index of its key expression in `extractors`.
    private let ruleKeys: [Int]
    private let workers: Int
    /// Per key expression, the owning worker of this event's key, or -1 (no key).
    private var owners: [Int]

    init(rules: [Rule], workers: Int) {
        var signatures: [String: Int] = [:]
        var extractors: [KeyExtractor] = []
        var ruleKeys: [Int] = []
        for rule in rules where rule.enabled {
            let signature = KeyExtractor.signature(expressions: rule.key, composite: rule.keyIsComposite)
            if let index = signatures[signature] {
                ruleKeys.append(index)
            } else {
                signatures[signature] = extractors.count
                ruleKeys.append(extractors.count)
                extractors.append(KeyExtractor(expressions: rule.key, composite: rule.keyIsComposite))
            }
        }
        self.extractors = extractors
        self.ruleKeys = ruleKeys
        self.workers = workers
        owners = Array(repeating: -1, count: extractors.count)
    }

    /// A bit per worker that needs `event` (bit `i` for worker `i`), and how many rules
    /// have no key for it.
    func route(_ event: Event) -> (workers: UInt64, keySkipped: Int) {
        for index in extractors.indices {
            owners[index] = extractors[index].keyGroup(of: event).map { $0 % workers } ?? -1
        }
        var mask: UInt64 = 0
        var skipped = 0
        for keyIndex in ruleKeys {
            let owner = owners[keyIndex]
            if owner >= 0 { mask |= 1 << UInt64(owner) } else { skipped += 1 }
        }
        return (mask, skipped)
    }
}
