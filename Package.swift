// swift-tools-version:6.0
// Precinct: four independently deployable services over one ZeroMQ bus.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "precinct",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "precinct-intake", targets: ["precinct-intake"]),
        .executable(name: "precinct-dispatch", targets: ["precinct-dispatch"]),
        .executable(name: "precinct-scoring", targets: ["precinct-scoring"]),
        .executable(name: "precinct-liaison", targets: ["precinct-liaison"]),
        .executable(name: "precinct", targets: ["precinct"]),
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
    ],
    targets: [
        // MARK: Shared modules
        .systemLibrary(
            name: "CZeroMQ",
            path: "Shared/CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .target(
            name: "Bus",
            dependencies: [
                "CZeroMQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/Bus",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Model",
            dependencies: ["Bus"],
            path: "Shared/Model",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EventStore",
            dependencies: [
                "Bus", "Model",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "Shared/EventStore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceKit",
            dependencies: [
                "Bus", "Model", "EventStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Shared/ServiceKit",
            swiftSettings: swiftSettings
        ),

        // MARK: Services: a Core library (rules, no sockets) and a thin executable each
        .target(
            name: "IntakeCore",
            dependencies: ["Model", "EventStore", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Services/Intake/Core",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "precinct-intake",
            dependencies: ["IntakeCore", "ServiceKit"],
            path: "Services/Intake/App",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DispatchCore",
            dependencies: ["Model", "EventStore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "DequeModule", package: "swift-collections")],
            path: "Services/Dispatch/Core",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "precinct-dispatch",
            dependencies: ["DispatchCore", "ServiceKit"],
            path: "Services/Dispatch/App",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ScoringCore",
            dependencies: ["Model", "EventStore", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Services/Scoring/Core",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "precinct-scoring",
            dependencies: ["ScoringCore", "ServiceKit"],
            path: "Services/Scoring/App",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LiaisonCore",
            dependencies: ["Model", "EventStore", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Services/Liaison/Core",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "precinct-liaison",
            dependencies: ["LiaisonCore", "ServiceKit"],
            path: "Services/Liaison/App",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "precinct",
            dependencies: [
                "Bus", "Model", "ServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Services/Precinct",
            swiftSettings: swiftSettings
        ),
        // MARK: Examples for integrators (README, "Integrators")
        .executableTarget(
            name: "precinct-example-subscriber",
            dependencies: ["Bus", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/SwiftSubscriber",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests mirror the modules
        .testTarget(name: "BusTests", dependencies: ["Bus", "CZeroMQ", .product(name: "Logging", package: "swift-log")], path: "Tests/BusTests"),
        .testTarget(name: "ModelTests", dependencies: ["Model"], path: "Tests/ModelTests"),
        .testTarget(name: "EventStoreTests", dependencies: ["EventStore", "Bus", "Model", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")], path: "Tests/EventStoreTests"),
        .testTarget(name: "IntakeCoreTests", dependencies: ["IntakeCore"], path: "Tests/IntakeCoreTests"),
        .testTarget(name: "DispatchCoreTests", dependencies: ["DispatchCore"], path: "Tests/DispatchCoreTests"),
        .testTarget(name: "ScoringCoreTests", dependencies: ["ScoringCore"], path: "Tests/ScoringCoreTests"),
        .testTarget(name: "LiaisonCoreTests", dependencies: ["LiaisonCore"], path: "Tests/LiaisonCoreTests"),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["Bus", "Model", "ServiceKit"],
            path: "Tests/IntegrationTests"
        ),
    ]
)
