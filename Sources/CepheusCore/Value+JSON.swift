extension Value {
    /// The compact JSON text of this value (doubles in shortest round-trip form).
    public var jsonString: String { JSONWriter().string(self) }

    /// The compact JSON text with canonical numbers: integral doubles within ±2^53 print
    /// as integers (`3.0` -> `3`). The key form of alert ids (rules.md section 5).
    public var canonicalJSONString: String { JSONWriter(canonicalNumbers: true).string(self) }
}
