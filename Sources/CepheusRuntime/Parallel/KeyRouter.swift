import CepheusCore
import CepheusRules

/// Decides, where an event is parsed, which workers need it: the owners of the key
/// groups of its keys under every enabled rule (DESIGN.md, Hot path). Each distinct key
/// expression is evaluated once. Events no worker owns are dropped before they reach
/// an engine, and rules the event has no key for are counted here (`key_skipped`), once.
final class KeyRouter {
    private let extractors: [KeyExtractor]
    /// Per key expression: its field path when it is a plain field (read from the tape
    /// in one pass for all of them, without touching the extractors).
    private let plainPaths: [PinnedPath?]
    /// Per enabled rule: the index of its key expression in `extractors`.
    private let ruleKeys: [Int]
    private let workers: Int
    /// Per key expression, the owning worker of this event's key, or -1 (no key).
    private var owners: [Int]
    /// Per rule, in rule-set order: its key expression's index, or -1 (disabled); `nil`
    /// when the rule set is too large to route per rule.
    private let slotKeys: [Int]?
    /// With one key expression, a plain field, and per-rule routing: the routing word
    /// for each owner (index `workers`: no key), so `route` reads one field, hashes it
    /// and looks the rest up.
    private let singlePath: PinnedPath?
    private let routingByOwner: [UInt64]

    init(rules: [Rule], workers: Int) {
        var signatures: [String: Int] = [:]
        var extractors: [KeyExtractor] = []
        var ruleKeys: [Int] = []
        var slotKeys: [Int] = []
        for rule in rules {
            guard rule.enabled else {
                slotKeys.append(-1)
                continue
            }
            let signature = KeyExtractor.signature(expressions: rule.key, composite: rule.keyIsComposite)
            if let index = signatures[signature] {
                ruleKeys.append(index)
            } else {
                signatures[signature] = extractors.count
                ruleKeys.append(extractors.count)
                extractors.append(KeyExtractor(expressions: rule.key, composite: rule.keyIsComposite))
            }
            slotKeys.append(ruleKeys[ruleKeys.count - 1])
        }
        self.extractors = extractors
        plainPaths = extractors.map(\.pinnedPlainPath)
        self.ruleKeys = ruleKeys
        // Per-rule owners fit an event's routing word for up to 16 rules and 15 workers.
        self.slotKeys = rules.count <= 16 && workers <= 15 ? slotKeys : nil
        self.workers = workers
        owners = Array(repeating: -1, count: extractors.count)
        if extractors.count == 1, let path = plainPaths[0], let slotKeys = self.slotKeys {
            singlePath = path
            routingByOwner = (0...workers).map { owner in
                var routing: UInt64 = .max
                for (slot, keyIndex) in slotKeys.enumerated() {
                    let nibble = UInt64(keyIndex >= 0 && owner < workers ? owner : 0xF)
                    routing = routing & ~(0xF << UInt64(4 * slot)) | nibble << UInt64(4 * slot)
                }
                return routing
            }
        } else {
            singlePath = nil
            routingByOwner = []
        }
    }

    /// A bit per worker that needs `event` (bit `i` for worker `i`), how many rules have
    /// no key for it, and the owner per rule (`Event.routing`, `.max` when not kept).
    func route(_ event: Event) -> (workers: UInt64, keySkipped: Int, routing: UInt64) {
        let workers = self.workers
        if let singlePath {
            // One plain-field key for every rule: found, hashed and looked up.
            let group = event.withTape { KeyExtractor.plainKeyGroup(singlePath, in: $0) }
            switch group {
            case .some(.some(let group)):
                let owner = group % workers
                return (1 << UInt64(owner), 0, routingByOwner[owner])
            case .some(.none):
                return (0, ruleKeys.count, routingByOwner[workers])
            case .none:
                break  // not a plain string after all: the general path builds the key
            }
        }
        var needsExtractor = false
        event.withTape { tape in
            owners.withUnsafeMutableBufferPointer { owners in
                for index in plainPaths.indices {
                    guard let path = plainPaths[index] else {
                        needsExtractor = true
                        continue
                    }
                    // -2: not a plain string after all; the extractor decides.
                    switch KeyExtractor.plainKeyGroup(path, in: tape) {
                    case .some(.some(let group)): owners[index] = group % workers
                    case .some(.none): owners[index] = -1
                    case .none:
                        owners[index] = -2
                        needsExtractor = true
                    }
                }
            }
        }
        if needsExtractor {
            for index in extractors.indices where plainPaths[index] == nil || owners[index] == -2 {
                owners[index] = extractors[index].keyGroup(of: event).map { $0 % workers } ?? -1
            }
        }
        var mask: UInt64 = 0
        var skipped = 0
        for keyIndex in ruleKeys {
            let owner = owners[keyIndex]
            if owner >= 0 { mask |= 1 << UInt64(owner) } else { skipped += 1 }
        }
        guard let slotKeys else { return (mask, skipped, .max) }
        var routing: UInt64 = .max
        for (slot, keyIndex) in slotKeys.enumerated() {
            let owner = keyIndex >= 0 ? owners[keyIndex] : -1
            let nibble = UInt64(owner >= 0 ? owner : 0xF)
            routing = routing & ~(0xF << UInt64(4 * slot)) | nibble << UInt64(4 * slot)
        }
        return (mask, skipped, routing)
    }
}
