// swift-tools-version:6.0
// Precinct: independently deployable services over one ZeroMQ bus (ARCHITECTURE.md, "Layout").
//
// The module graph, bottom up:
//   Wire        the wire format: header, envelope, time, topics, FlatJSON, typed bus messages (no sockets)
//   Model       domain values and event payloads with examples (depends on Wire only)
//   EventStore  outbox/inbox behind a protocol (SQLite and in-memory), the Engine
//   Bus         the ZeroMQ transport: the only module that sees CZeroMQ
//   BusTesting  an in-memory transport and a fake source, for fast tests
//   ServiceKit  buildService: config, typed operations over HTTP and the ROUTER, one API error, ops routes
//   <Name>Core  a service's Rules/ (pure), Store/ (the only SQL), Handlers/ (one per event or command)
//   precinct-<name>  the executable: bootstrap, config, run

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    // Every module a file uses members of is imported by that file, not reached transitively.
    .enableUpcomingFeature("MemberImportVisibility"),
]

let grdb: Target.Dependency = .product(name: "GRDB", package: "GRDB.swift")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let deque: Target.Dependency = .product(name: "DequeModule", package: "swift-collections")

/// One service: `<Name>Core` (its rules, store and handlers; no sockets, no HTTP), the
/// `precinct-<name>` executable, and `<Name>CoreTests`. A new service is one line in `services`.
struct ServiceTarget {
    var name: String
    var coreDependencies: [Target.Dependency] = []
    /// Files in the tests' folder that are not sources (golden documents the tests read).
    var testFixtures: [String] = []

    var executable: String { "precinct-\(name.lowercased())" }

    var targets: [Target] {
        [
            .target(
                name: "\(name)Core",
                dependencies: [.target(name: "Wire"), .target(name: "Model"), .target(name: "EventStore"), grdb, logging] + coreDependencies,
                path: "Services/\(name)/Core",
                swiftSettings: swiftSettings
            ),
            .executableTarget(
                name: executable,
                dependencies: [.target(name: "\(name)Core"), "Wire", "Model", "EventStore", "ServiceKit", argumentParser, logging, metrics,
                               .product(name: "Hummingbird", package: "hummingbird")],
                path: "Services/\(name)/App",
                swiftSettings: swiftSettings
            ),
            .testTarget(
                name: "\(name)CoreTests",
                dependencies: [.target(name: "\(name)Core"), "Wire", "Model", "EventStore", "TestSupport", grdb],
                path: "Tests/\(name)CoreTests",
                exclude: testFixtures,
                swiftSettings: swiftSettings
            ),
        ]
    }
}

let services: [ServiceTarget] = [
    // swift-crypto: the callers' keyed hash (HMAC-SHA256) repeat-call detection matches on once phones are redacted.
    ServiceTarget(name: "Intake", coreDependencies: [.product(name: "Crypto", package: "swift-crypto")]),
    // swift-collections' heap: the waiting needs' escalation candidates, by when they were queued.
    ServiceTarget(name: "Dispatch", coreDependencies: [.product(name: "HeapModule", package: "swift-collections")]),
    ServiceTarget(name: "Scoring"),
    ServiceTarget(name: "Liaison", testFixtures: ["CAPGolden"]),
]

let package = Package(
    name: "precinct",
    platforms: [.macOS(.v15)],
    products: services.map { .executable(name: $0.executable, targets: [$0.executable]) } + [
        .executable(name: "precinct", targets: ["precinct"]),
        .executable(name: "precinct-console", targets: ["precinct-console"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.1.0"),
        // Bearer tokens (JWT, HS256) on every HTTP route, issued by `precinct tokens` (docs/security.md).
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        // TLS on the HTTP ports when a certificate and key are given (through HummingbirdTLS).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.27.0"),
        // HMAC-SHA256 of callers' phones (already resolved through jwt-kit).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
    ],
    targets: services.flatMap(\.targets) + [
        // MARK: Shared modules
        .systemLibrary(
            name: "CZeroMQ",
            path: "Shared/CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        // OS calls Swift's Glibc module does not import (thread names, eventfd), prefixed.
        .target(name: "CPrecinctShims", path: "Shared/CPrecinctShims"),
        .target(
            name: "Wire",
            path: "Shared/Wire",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Model",
            dependencies: ["Wire"],
            path: "Shared/Model",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EventStore",
            dependencies: ["Wire", "Model", "CPrecinctShims", grdb, logging, metrics, deque],
            path: "Shared/EventStore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Bus",
            dependencies: ["CZeroMQ", "CPrecinctShims", "Wire", logging, metrics],
            path: "Shared/Bus",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BusTesting",
            dependencies: ["Wire", "EventStore"],
            path: "Shared/BusTesting",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceKit",
            dependencies: [
                "Wire", "Model", "EventStore", "Bus", argumentParser, logging, metrics,
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Shared/ServiceKit",
            swiftSettings: swiftSettings
        ),

        // MARK: The command centre's console (follows every service, serves the web app in Services/Console/Web)
        .executableTarget(
            name: "precinct-console",
            dependencies: [
                "Wire", "Model", "Bus", "ServiceKit", argumentParser, logging,
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Services/Console/App",
            swiftSettings: swiftSettings
        ),

        // MARK: The operator's CLI and the integrators' example
        .executableTarget(
            name: "precinct",
            dependencies: [
                "Wire", "Bus", "Model", "ServiceKit", argumentParser, logging,
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Services/CLI",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "precinct-example-subscriber",
            dependencies: ["Bus", "Wire", argumentParser],
            path: "Examples/SwiftSubscriber",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests: fast and offline under `swift test`; IntegrationTests start real processes
        // and run only with PRECINCT_INTEGRATION=1 (make test sets it).
        .target(
            name: "TestSupport",
            dependencies: ["Wire", "Model", "EventStore", grdb, logging],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "WireTests", dependencies: ["Wire", "Model", "TestSupport"], path: "Tests/WireTests", swiftSettings: swiftSettings),
        .testTarget(name: "BusTests", dependencies: ["Bus", "Wire", "CZeroMQ", "TestSupport", logging],
                    path: "Tests/BusTests", swiftSettings: swiftSettings),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Wire"], path: "Tests/ModelTests", swiftSettings: swiftSettings),
        .testTarget(name: "EventStoreTests", dependencies: ["EventStore", "Wire", "Model", "Bus", "BusTesting", "TestSupport", grdb, logging],
                    path: "Tests/EventStoreTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "ServiceKitTests",
            dependencies: ["ServiceKit", "BusTesting", "Bus", "EventStore", "Wire", "Model", "TestSupport", grdb, logging,
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            path: "Tests/ServiceKitTests",
            swiftSettings: swiftSettings
        ),
        // Whole services (their definitions from the executables) built in process, on event time;
        // and `precinct load`'s verdict.
        .testTarget(
            name: "ServiceTests",
            dependencies: ["precinct-intake", "precinct-dispatch", "precinct", "IntakeCore", "DispatchCore", "ServiceKit", "BusTesting", "EventStore",
                           "Wire", "Model", "TestSupport"],
            path: "Tests/ServiceTests",
            swiftSettings: swiftSettings
        ),
        // The console's read model, event by event (its pages are tested in a browser: make console-test).
        .testTarget(
            name: "ConsoleTests",
            dependencies: ["precinct-console", "Model", "Wire", "TestSupport"],
            path: "Tests/ConsoleTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["Bus", "Wire", "Model", "ServiceKit", "TestSupport"],
            path: "Tests/IntegrationTests",
            swiftSettings: swiftSettings
        ),
    ]
)
