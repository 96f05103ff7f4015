import CepheusCore

/// Generates the login / payment / order / service / privilege / download /
/// error-rate events the shipped rules use, deterministically from a seed. Mostly
/// background noise, with the attack and incident stories the rules look for mixed in
/// at a low rate, so every shipped rule fires now and then on large runs.
struct EventGenerator {
    let keys: Int
    var random: SplitMix64
    var clock: Int64
    private var pending: [(Int64, Value)] = []
    private var counter = 0

    init(keys: Int, seed: UInt64, start: Int64 = 1_764_000_000_000) {
        self.keys = max(1, keys)
        self.random = SplitMix64(seed: seed)
        self.clock = start
    }

    static let cities: [(String, Double, Double)] = [
        ("FR", 48.8566, 2.3522), ("GB", 51.5074, -0.1278), ("US", 40.7128, -74.0060),
        ("DE", 52.5200, 13.4050), ("JP", 35.6762, 139.6503), ("BR", -23.5505, -46.6333),
        ("IN", 19.0760, 72.8777), ("AU", -33.8688, 151.2093),
    ]

    /// The next event, in nondecreasing `ts` (stories are interleaved with noise).
    mutating func next() -> Value {
        clock += Int64(random.int(0..<40))
        var earliest: Int?
        for (index, item) in pending.enumerated() where item.0 <= clock {
            if earliest == nil || item.0 < pending[earliest!].0 { earliest = index }
        }
        if let earliest { return pending.remove(at: earliest).1 }
        if random.chance(0.004) { scheduleStory() }
        return noise(at: clock)
    }

    private mutating func user() -> String {
        // Skewed: a few users are much busier than the rest.
        let u = random.unit()
        return "u\(Int(Double(keys) * u * u * u))"
    }

    private mutating func ip() -> String { "10.\(random.int(0..<4)).\(random.int(0..<256)).\(random.int(1..<255))" }

    private mutating func noise(at ts: Int64) -> Value {
        let r = random.unit()
        let who = user()
        switch r {
        case ..<0.35:
            let city = Self.cities[abs(who.hashValueStable) % Self.cities.count]
            return login(ts, who, ok: random.chance(0.85), newDevice: random.chance(0.02), city: city)
        case ..<0.55:
            return object(ts, "payment", [
                ("card", .string("card-\(random.int(0..<(keys * 2)))")), ("user", .string(who)),
                ("amount", .double(rounded(random.unit() * 200 + 5))), ("merchant", .string("m\(random.int(0..<500))")),
            ])
        case ..<0.67:
            let order = "order-\(counter)"
            counter += 1
            let paidAfter = Int64(random.int(1_000..<600_000))
            pending.append((ts + paidAfter, object(ts + paidAfter, "order_paid", [("order_id", .string(order)), ("user", .string(who))])))
            return object(ts, "order_created", [("order_id", .string(order)), ("user", .string(who)), ("amount", .double(rounded(random.unit() * 300)))])
        case ..<0.77:
            return object(ts, "service_status", [("service", .string("svc-\(random.int(0..<max(1, keys / 50)))")), ("status", .string(random.chance(0.9) ? "up" : "down"))])
        case ..<0.85:
            return object(ts, "download", [("user", .string(who)), ("bytes", .int(Int64(random.int(1_000..<50_000_000)))), ("file", .string("f\(random.int(0..<1000)).zip"))])
        case ..<0.88:
            return object(ts, "privilege", [("user", .string(who)), ("action", .string(["sudo", "role_grant"][random.int(0..<2)])), ("role", .string("operator"))])
        default:
            return object(ts, "error_rate", [("service", .string("svc-\(random.int(0..<max(1, keys / 50)))")), ("rate", .double(rounded(random.unit() * 0.05)))])
        }
    }

    private mutating func login(_ ts: Int64, _ who: String, ok: Bool, newDevice: Bool, city: (String, Double, Double)) -> Value {
        object(ts, "login", [
            ("user", .string(who)), ("ok", .bool(ok)), ("ip", .string(ip())),
            ("device", .string(newDevice ? "dev-\(random.int(0..<1_000_000))" : "dev-\(who)")), ("new_device", .bool(newDevice)),
            ("country", .string(city.0)), ("lat", .double(city.1)), ("lon", .double(city.2)),
        ])
    }

    /// Queues one incident story starting now.
    private mutating func scheduleStory() {
        let who = user()
        var t = clock
        func step(_ ms: Int) -> Int64 { t += Int64(ms); return t }
        switch random.int(0..<8) {
        case 0:  // brute force
            for _ in 0..<(5 + random.int(0..<4)) { pending.append((step(2_000), login(t, who, ok: false, newDevice: false, city: Self.cities[0]))) }
            pending.append((step(3_000), login(t, who, ok: true, newDevice: false, city: Self.cities[0])))
        case 1:  // impossible travel
            pending.append((step(1_000), login(t, who, ok: true, newDevice: false, city: Self.cities[0])))
            pending.append((step(1_800_000), login(t, who, ok: true, newDevice: false, city: Self.cities[4])))
        case 2:  // card testing
            let card = "card-x\(random.int(0..<100_000))"
            for _ in 0..<4 { pending.append((step(20_000), object(t, "payment", [("card", .string(card)), ("user", .string(who)), ("amount", .double(rounded(random.unit() * 3 + 0.5))), ("merchant", .string("m1"))]))) }
            pending.append((step(30_000), object(t, "payment", [("card", .string(card)), ("user", .string(who)), ("amount", .double(899.0)), ("merchant", .string("m2"))])))
        case 3:  // unpaid order
            let order = "order-u\(counter)"
            counter += 1
            pending.append((step(10), object(t, "order_created", [("order_id", .string(order)), ("user", .string(who)), ("amount", .double(120.0))])))
        case 4:  // flapping service
            let service = "svc-flap-\(random.int(0..<20))"
            for _ in 0..<4 {
                pending.append((step(30_000), object(t, "service_status", [("service", .string(service)), ("status", .string("down"))])))
                pending.append((step(30_000), object(t, "service_status", [("service", .string(service)), ("status", .string("up"))])))
            }
        case 5:  // privilege escalation
            pending.append((step(1_000), login(t, who, ok: true, newDevice: false, city: Self.cities[1])))
            pending.append((step(60_000), object(t, "privilege", [("user", .string(who)), ("action", .string("sudo")), ("role", .string("admin"))])))
            pending.append((step(60_000), object(t, "privilege", [("user", .string(who)), ("action", .string("role_grant")), ("role", .string("admin"))])))
            pending.append((step(60_000), object(t, "privilege", [("user", .string(who)), ("action", .string("audit_disable")), ("role", .string("admin"))])))
        case 6:  // large download after a new device
            pending.append((step(1_000), login(t, who, ok: true, newDevice: true, city: Self.cities[2])))
            pending.append((step(120_000), object(t, "download", [("user", .string(who)), ("bytes", .int(734_003_200)), ("file", .string("customers.csv"))])))
        default:  // rising error rate
            let service = "svc-err-\(random.int(0..<20))"
            var rate = 0.02
            for _ in 0..<4 {
                rate += 0.03
                pending.append((step(10_000), object(t, "error_rate", [("service", .string(service)), ("rate", .double(rounded(rate)))])))
            }
        }
    }

    private func rounded(_ x: Double) -> Double { (x * 100).rounded() / 100 }

    private func object(_ ts: Int64, _ type: String, _ fields: [(String, Value)]) -> Value {
        .object(JSONObject([("ts", .int(ts)), ("type", .string(type))] + fields))
    }
}

extension String {
    /// A hash that is the same in every process (FNV-1a), for picking a user's home city.
    var hashValueStable: Int { Int(truncatingIfNeeded: StableHash.fnv1a64(Array(utf8)) >> 1) }
}
