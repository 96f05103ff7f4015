// swift-tools-version:6.1
import PackageDescription

/// Release builds drop the runtime exclusivity checks on the hot path (the compiler's
/// static checks stay, and debug builds — the ones `swift test` runs — keep the dynamic
/// checks too). Measured: about 6% of the replay benchmark's instructions.
let hotPathSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Cepheus",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cepheus", targets: ["cepheus"]),
        .library(name: "CepheusRuntime", targets: ["CepheusRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // The daemon's HTTP API (issue 5). Default traits off: no swift-configuration,
        // no full Foundation.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Webhook delivery (issue 6): HTTP/1.1 and HTTPS with the system trust store.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .target(name: "CepheusCore", swiftSettings: hotPathSettings),
        // CPU hints Swift has no spelling for (prefetch), header-only.
        .systemLibrary(name: "CCPUHints"),
        // RocksDB's C API (Debian's librocksdb-dev, installed by scripts/setup.sh).
        .systemLibrary(name: "CRocksDB", pkgConfig: "rocksdb", providers: [.apt(["librocksdb-dev"])]),
        .target(name: "CepheusState", dependencies: [
            "CepheusCore", "CRocksDB",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "CepheusRules", dependencies: ["CepheusCore", "Yams"], swiftSettings: hotPathSettings),
        .target(name: "CepheusMatcher", dependencies: ["CepheusCore", "CepheusRules"], swiftSettings: hotPathSettings),
        .target(name: "CepheusRuntime", dependencies: [
            "CepheusCore", "CepheusRules", "CepheusMatcher", "CepheusState", "CCPUHints",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: hotPathSettings),
        .target(name: "CepheusServer", dependencies: [
            "CepheusCore", "CepheusRules", "CepheusRuntime", "CepheusState", "Yams",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "cepheus", dependencies: [
            "CepheusCore", "CepheusRules", "CepheusMatcher", "CepheusRuntime", "CepheusState", "CepheusServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            "Yams",
        ], linkerSettings: [
            // jemalloc instead of glibc's malloc: events are allocated on one thread and
            // freed on another, which glibc handles poorly (docs/performance.md).
            .linkedLibrary("jemalloc", .when(platforms: [.linux])),
        ]),
        .testTarget(name: "CepheusCoreTests", dependencies: ["CepheusCore"]),
        .testTarget(name: "CepheusRulesTests", dependencies: ["CepheusRules"]),
        .testTarget(name: "CepheusMatcherTests", dependencies: [
            "CepheusMatcher", "CepheusRules", "CepheusCore",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "CepheusStateTests", dependencies: ["CepheusState", "CepheusCore"]),
        .testTarget(name: "CepheusServerTests", dependencies: ["CepheusServer", "CepheusRules"]),
        .testTarget(name: "CepheusRuntimeTests", dependencies: ["CepheusRuntime", "CepheusState"]),
        .testTarget(name: "EndToEndTests", dependencies: ["CepheusCore", "CepheusServer", "CepheusState"]),
    ],
    swiftLanguageModes: [.v6]
)
