import CepheusCore
import CepheusMatcher
import CepheusRules

extension RuntimeEngine {
    /// Installs `rule` as a new rule or a new version of a loaded one (rules.md section 7):
    /// a change to `key`, `within`, `skip` or `pattern` discards its partial matches;
    /// any other change keeps them, and the throttle state.
    @discardableResult
    public func install(_ shared: Rule) -> Int {
        defer { assignKeyCacheIndices() }
        let rule = privateExpressions ? shared.withPrivateExpressions() : shared
        let version = (versionCounters[rule.id] ?? 0) + 1
        versionCounters[rule.id] = version
        if let index = slotIndex[rule.id] {
            let old = slots[index]
            let slot = RuleSlot(rule: rule, version: version)
            if old.rule.matchingSignature == rule.matchingSignature {
                slot.states = old.states
                slot.spilled = old.spilled
                slot.spilledPartialMatches = old.spilledPartialMatches
                old.moveCompactedStates(to: slot)
                slot.stats = old.stats
                old.successor = slot
            } else {
                // Counted before the stored and compacted states go.
                counters.partialMatchesDiscarded += old.partialMatchCount
                discardStoredStates(of: old)
                old.dropCompactedStates()
                old.retired = true
                retiredDropped += old.stats.droppedPartialMatches
                retiredTypeErrors += old.stats.conditionTypeErrors
            }
            slots[index] = slot
        } else {
            slotIndex[rule.id] = slots.count
            slots.append(RuleSlot(rule: rule, version: version))
        }
        return version
    }

    /// Removes a rule and its state; `false` if no such rule is loaded.
    /// Gives rules that key by the same expression the same key-cache slot.
    func assignKeyCacheIndices() {
        let longestWindow = slots.compactMap(\.window).max() ?? 0
        effectiveTTL = stateTTL ?? (longestWindow > Int64.max / 2 ? Int64.max / 2 : 2 * longestWindow)
        for slot in slots {
            let signature = slot.keySignature
            if let index = keyCacheIndices[signature] {
                slot.keyCacheIndex = index
            } else {
                slot.keyCacheIndex = keyCacheIndices.count
                keyCacheIndices[signature] = slot.keyCacheIndex
            }
        }
        if keyCache.count < keyCacheIndices.count {
            keyCache.append(contentsOf: Array(repeating: KeyCacheEntry(), count: keyCacheIndices.count - keyCache.count))
        }
    }

    @discardableResult
    public func remove(ruleId: String) -> Bool {
        guard let index = slotIndex[ruleId] else { return false }
        let old = slots.remove(at: index)
        // Counted before the stored and compacted states go.
        counters.partialMatchesDiscarded += old.partialMatchCount
        discardStoredStates(of: old)
        old.dropCompactedStates()
        old.retired = true
        retiredDropped += old.stats.droppedPartialMatches
        retiredTypeErrors += old.stats.conditionTypeErrors
        slotIndex = [:]
        for (i, slot) in slots.enumerated() { slotIndex[slot.rule.id] = i }
        return true
    }

    func apply(_ control: ControlRecord, at position: RecordPosition) {
        switch control {
        case .delete(let id):
            if remove(ruleId: id) {
                counters.controlApplied += 1
            } else {
                reject(position, ["delete: no rule with id '\(id)' is loaded"])
            }
        case .upsertJSON(let value):
            upsert(RuleLoader.parse(json: value, origin: position.description), position)
        case .upsertYAML(let text):
            upsert(RuleLoader.parse(yaml: text, file: position.description), position)
        }
    }

    private func upsert(_ result: RuleLoadResult, _ position: RecordPosition) {
        let errors = result.diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty {
            reject(position, errors.map(\.description))
            return
        }
        guard !result.rules.isEmpty else {
            reject(position, ["upsert carries no rule"])
            return
        }
        for rule in result.rules { install(rule) }
        counters.controlApplied += 1
    }

    /// Counts and reports a control record that could not be applied.
    public func rejectControl(_ position: RecordPosition, _ messages: [String]) {
        reject(position, messages)
    }

    private func reject(_ position: RecordPosition, _ messages: [String]) {
        counters.controlRejected += 1
        for message in messages {
            onDiagnostic("\(position): control record rejected: \(message)")
        }
    }
}

extension RuntimeEngine {
    /// After a restore: installs each of `rules` (from rule files) that is new or whose
    /// content changed since the checkpoint, as a new version (section 7 semantics).
    /// Rules in the checkpoint but not in `rules` stay (a control record may have
    /// added them). Returns one message per rule installed.
    public func reconcile(with rules: [Rule]) -> [String] {
        var messages: [String] = []
        for rule in rules {
            if let index = slotIndex[rule.id], slots[index].rule.contentSignature == rule.contentSignature { continue }
            let existed = slotIndex[rule.id] != nil
            let version = install(rule)
            messages.append("rule \(rule.id): \(existed ? "changed since" : "not in") the checkpoint; loaded as version \(version)")
        }
        return messages
    }
}
