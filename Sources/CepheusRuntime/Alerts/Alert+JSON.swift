import CepheusCore

extension Alert {
    /// Appends the alert's compact JSON (the same bytes as `jsonValue`'s) to `output`,
    /// written field by field without building the `Value` tree first: into a
    /// `JSONBuffer`, then appended to the array at once.
    public func writeJSON(into output: inout [UInt8]) {
        var buffer = JSONBuffer(capacity: 1024)
        writeJSON(into: &buffer)
        output.append(contentsOf: buffer.bytes)
    }

    /// Writes the alert's compact JSON to `output`.
    public func writeJSON<Sink: JSONSink>(into output: inout Sink) {
        func key(_ name: StaticString, first: Bool = false) {
            if !first { output.write(byte: UInt8(ascii: ",")) }
            output.write(byte: UInt8(ascii: "\""))
            output.write(bytes: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            output.write(byte: UInt8(ascii: "\""))
            output.write(byte: UInt8(ascii: ":"))
        }
        func object<T>(_ pairs: [(String, T)], _ writeValue: (T, inout Sink) -> Void) {
            output.write(byte: UInt8(ascii: "{"))
            for (index, pair) in pairs.enumerated() {
                if index > 0 { output.write(byte: UInt8(ascii: ",")) }
                JSONWriter.writeString(pair.0, into: &output)
                output.write(byte: UInt8(ascii: ":"))
                writeValue(pair.1, &output)
            }
            output.write(byte: UInt8(ascii: "}"))
        }
        output.write(byte: UInt8(ascii: "{"))
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
        object(labels) { JSONWriter.writeString($0, into: &$1) }
        key("title")
        JSONWriter.writeString(title, into: &output)
        key("fields")
        object(fields) { JSONWriter.write($0, into: &$1) }
        key("start")
        JSONWriter.writeInteger(start, into: &output)
        key("end")
        JSONWriter.writeInteger(end, into: &output)
        key("events")
        object(events) { list, output in
            output.write(byte: UInt8(ascii: "["))
            for (position, event) in list.enumerated() {
                if position > 0 { output.write(byte: UInt8(ascii: ",")) }
                event.withTape { JSONWriter().write($0, at: 0, into: &output) }
            }
            output.write(byte: UInt8(ascii: "]"))
        }
        output.write(byte: UInt8(ascii: "}"))
    }
}
