import CepheusCore
import CepheusMatcher
import CepheusRules
import Testing

@Suite struct PatternMatcherTests {
    func letters(_ text: String) -> [Event] {
        text.enumerated().map { index, char in
            MatcherHarness.event("e\(index + 1)", Int64(index + 1), [("name", .string(String(char)))], sequence: Int64(index))
        }
    }

    @Test func relaxedSequenceSkipsNoise() throws {
        let rule = try MatcherHarness.rule("""
            id: r
            skip: no_skip
            pattern:
              - {name: a, where: name == "a"}
              - {name: b, where: name == "b"}
            """)
        let results = MatcherHarness.run(rule, letters("axb"))
        #expect(results.count == 1)
        #expect(results.first?.steps == ["a": ["e1"], "b": ["e3"]])
    }

    @Test func strictContiguityRejectsGaps() throws {
        let rule = try MatcherHarness.rule("""
            id: r
            skip: no_skip
            pattern:
              - {name: a, where: name == "a"}
              - {name: b, where: name == "b", contiguity: strict}
            """)
        #expect(MatcherHarness.run(rule, letters("axb")).isEmpty)
        #expect(MatcherHarness.run(rule, letters("ab")).count == 1)
    }

    @Test func anyContiguityFindsEveryCombination() throws {
        let rule = try MatcherHarness.rule("""
            id: r
            skip: no_skip
            pattern:
              - {name: a, where: name == "a"}
              - {name: b, where: name == "b", contiguity: any}
            """)
        // a1 with b2 and b3; relaxed would give a1-b2 only
        #expect(MatcherHarness.run(rule, letters("abb")).count == 2)
    }

    @Test func skipPastLastEventPrunesOverlaps() throws {
        func yaml(_ skip: String) -> String {
            """
            id: r
            skip: \(skip)
            pattern:
              - {name: a, where: name == "a", times: 1+}
              - {name: b, where: name == "b"}
            """
        }
        let noSkip = try MatcherHarness.rule(yaml("no_skip"))
        let pastLast = try MatcherHarness.rule(yaml("past_last_event"))
        #expect(MatcherHarness.run(noSkip, letters("aab")).count == 3)
        let pruned = MatcherHarness.run(pastLast, letters("aab"))
        #expect(pruned.count == 1)
        #expect(pruned.first?.steps == ["a": ["e1", "e2"], "b": ["e3"]])
    }

    /// A skip that prunes every partial match empties the key's shared buffer at once;
    /// one that leaves a partial match holding events keeps exactly what it needs, and
    /// the matches are the same either way (the next match still reads its events).
    @Test func aSkipThatPrunesEverythingEmptiesTheBuffer() throws {
        let rule = try MatcherHarness.rule("""
            id: r
            skip: past_last_event
            pattern:
              - {name: a, where: name == "a", times: 2+}
              - {name: b, where: name == "b"}
            """)
        var run = MatcherRun(rule)
        let events = letters("aaaxab" + "aab")
        run.feed(events.prefix(6))
        #expect(run.results.count == 1)
        #expect(run.results.first?.events[0].map(\.id) == ["e1", "e2", "e3", "e5"])
        #expect(run.state.partialMatchCount == 0)
        #expect(run.state.buffer.nodeCount == 0)
        // The next match is built in the emptied buffer.
        run.feed(events.dropFirst(6))
        #expect(run.results.count == 2)
        #expect(run.results.last?.events[0].map(\.id) == ["e7", "e8"])
        #expect(run.results.last?.events[1].map(\.id) == ["e9"])
        #expect(run.state.buffer.nodeCount == 0)
    }

    @Test func aSkipThatKeepsAMatchKeepsItsEvents() throws {
        // to_next prunes only what started with the match's first event: the match that
        // started at the second `a` is still held when the first is emitted, so the
        // buffer keeps its events (and empties once that one is emitted too).
        let rule = try MatcherHarness.rule("""
            id: r
            skip: to_next
            pattern:
              - {name: a, where: name == "a"}
              - {name: b, where: name == "b"}
            """)
        var run = MatcherRun(rule)
        run.feed(letters("aab"))
        #expect(run.results.map { $0.events.map { $0.map(\.id) } } == [[["e1"], ["e3"]], [["e2"], ["e3"]]])
        #expect(run.state.buffer.nodeCount == 0)
    }

    /// `admits` rules an event out only when no step's condition can hold for it.
    @Test func admissionReadsTheSharedLeadingField() throws {
        func event(_ fields: [(String, Value)]) -> Event {
            MatcherHarness.event("e", 1, fields, sequence: 0)
        }
        func admits(_ yaml: String, _ fields: [(String, Value)]) throws -> Bool {
            try PatternMatcher(rule: MatcherHarness.rule(yaml)).withTape(of: event(fields))
        }
        let twoTypes = """
            id: r
            pattern:
              - {name: a, where: type == "a" && n > 1}
              - {name: gap, where: type == "c", absent: true}
              - {name: b, where: type == "b"}
            """
        #expect(try admits(twoTypes, [("type", .string("a"))]))
        #expect(try admits(twoTypes, [("type", .string("b"))]))
        #expect(try admits(twoTypes, [("type", .string("c"))]))
        #expect(try !admits(twoTypes, [("type", .string("d"))]))
        #expect(try !admits(twoTypes, [("type", .int(3))]))
        #expect(try !admits(twoTypes, [("other", .string("a"))]))
        // A step without a leading equality on that field, or with an `until`: no ruling.
        let mixed = """
            id: r
            pattern:
              - {name: a, where: type == "a"}
              - {name: b, where: kind == "b"}
            """
        #expect(try admits(mixed, [("type", .string("z"))]))
        let open = """
            id: r
            pattern:
              - {name: a, where: type == "a"}
              - {name: b}
            """
        #expect(try admits(open, [("type", .string("z"))]))
        let until = """
            id: r
            pattern:
              - {name: a, where: type == "a", times: 1+, until: type == "stop"}
              - {name: b, where: type == "b"}
            """
        #expect(try admits(until, [("type", .string("stop"))]))
    }

    @Test func windowTimesOutPartialMatches() throws {
        let rule = try MatcherHarness.rule("""
            id: r
            within: 2ms
            on_timeout: alert
            pattern:
              - {name: a, where: name == "a"}
              - {name: b, where: name == "b"}
            """)
        let results = MatcherHarness.run(rule, letters("axxb"))
        #expect(results.count == 1)
        #expect(results.first?.kind == .timeout)
        #expect(results.first?.steps == ["a": ["e1"]])
    }

    @Test func absentAtEndCompletesWhenWindowCloses() throws {
        let rule = try MatcherHarness.rule("""
            id: r
            within: 10ms
            pattern:
              - {name: a, where: name == "a"}
              - {name: b, where: name == "b", absent: true}
            """)
        #expect(MatcherHarness.run(rule, letters("ax")).map(\.steps) == [["a": ["e1"]]])
        #expect(MatcherHarness.run(rule, letters("axb")).isEmpty)
    }

    @Test func iterativeConditionSeesEarlierSteps() throws {
        let rule = try MatcherHarness.rule("""
            id: r
            pattern:
              - {name: a, where: "true"}
              - {name: b, where: "v > last(a).v", contiguity: strict}
            """)
        let events = [3, 1, 2].enumerated().map { index, v in
            MatcherHarness.event("e\(index + 1)", Int64(index + 1), [("v", .int(Int64(v)))], sequence: Int64(index))
        }
        #expect(MatcherHarness.run(rule, events).map(\.steps) == [["a": ["e2"], "b": ["e3"]]])
    }

    @Test func partialMatchCapDropsAndCounts() throws {
        let rule = try MatcherHarness.rule("""
            id: r
            skip: no_skip
            max_partial_matches: 3
            pattern:
              - {name: a, where: name == "a"}
              - {name: b, where: name == "b"}
            """)
        let matcher = PatternMatcher(rule: rule)
        var state = MatcherState(matcher: matcher)
        var stats = MatcherStats()
        var results: [MatchResult] = []
        for event in letters("aaaaab") {
            matcher.process(&state, event: event, key: .null, results: &results, stats: &stats)
        }
        #expect(stats.droppedPartialMatches == 2)
        #expect(results.count == 3)
    }

    @Test func sharedBufferIsReleasedWhenMatchesDie() throws {
        let rule = try MatcherHarness.rule("""
            id: r
            within: 5ms
            pattern:
              - {name: a, where: name == "a", times: 1+}
              - {name: b, where: name == "b"}
            """)
        let matcher = PatternMatcher(rule: rule)
        var state = MatcherState(matcher: matcher)
        var stats = MatcherStats()
        var results: [MatchResult] = []
        for event in letters("aaab") {
            matcher.process(&state, event: event, key: .null, results: &results, stats: &stats)
        }
        matcher.advanceTime(&state, to: .max, results: &results, stats: &stats)
        #expect(state.isIdle)
        #expect(state.buffer.isEmpty)
    }
}
