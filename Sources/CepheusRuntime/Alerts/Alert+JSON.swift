import CepheusCore

extension Alert {
    /// Appends the alert's compact JSON (the same bytes as `jsonValue`'s) to `output`,
    /// written field by field without building the `Value` tree first.
    public func writeJSON(into output: inout [UInt8]) {
        func key(_ name: StaticString, first: Bool = false) {
            if !first { output.append(UInt8(ascii: ",")) }
            output.append(UInt8(ascii: "\""))
            output.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            output.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        output.append(UInt8(ascii: "{"))
        key("id", first: true)
        JSONWriter.writeString(id, into: &output)
        key("rule")
        JSONWriter.writeString(rule, into: &output)
        key("rule_version")
        JSONWriter.writeInteger(Int64(ruleVersion), into: &output)
        key("kind")
        JSONWriter.writeString(kind.rawValue, into: &output)
        key("key")
        JSONWriter.write(self.key, into: &output)
        key("severity")
        JSONWriter.writeString(severity, into: &output)
        key("labels")
        output.append(UInt8(ascii: "{"))
        for (index, label) in labels.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(label.0, into: &output)
            output.append(UInt8(ascii: ":"))
            JSONWriter.writeString(label.1, into: &output)
        }
        output.append(UInt8(ascii: "}"))
        key("title")
        JSONWriter.writeString(title, into: &output)
        key("fields")
        output.append(UInt8(ascii: "{"))
        for (index, field) in fields.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(field.0, into: &output)
            output.append(UInt8(ascii: ":"))
            JSONWriter.write(field.1, into: &output)
        }
        output.append(UInt8(ascii: "}"))
        key("start")
        JSONWriter.writeInteger(start, into: &output)
        key("end")
        JSONWriter.writeInteger(end, into: &output)
        key("events")
        output.append(UInt8(ascii: "{"))
        for (index, step) in events.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(step.0, into: &output)
            output.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: "[")])
            for (position, event) in step.1.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                JSONWriter.write(event.value, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
        output.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "}")])
    }
}
