// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "anima-webhooks",
    platforms: [.macOS(.v15)],
    products: [
        /// Signature verification and signing; no Redis, no HTTP. Usable from any Swift server.
        .library(name: "AnimaWebhooks", targets: ["AnimaWebhooks"]),
        /// The safe hiredis client.
        .library(name: "AnimaRedis", targets: ["AnimaRedis"]),
        /// The ingress application, to embed or extend.
        .library(name: "AnimaIngress", targets: ["AnimaIngress"]),
        .executable(name: "anima-ingress", targets: ["anima-ingress"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CHiredis", path: "Sources/CHiredis", pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]),
        .target(
            name: "AnimaRedis",
            dependencies: [
                "CHiredis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "AnimaWebhooks",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
        .target(
            name: "AnimaQueue",
            dependencies: [
                "AnimaRedis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "AnimaCLI",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "AnimaIngress",
            dependencies: [
                "AnimaCLI", "AnimaQueue", "AnimaRedis", "AnimaWebhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "anima-ingress",
            dependencies: [
                "AnimaCLI", "AnimaIngress",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings),

        // Tests
        .target(
            name: "AnimaTestSupport",
            dependencies: [
                "AnimaRedis", "AnimaWebhooks",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/AnimaTestSupport",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AnimaWebhooksTests",
            dependencies: ["AnimaWebhooks"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AnimaRedisTests",
            dependencies: [
                "AnimaRedis", "AnimaTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AnimaIngressTests",
            dependencies: [
                "AnimaQueue", "AnimaRedis", "AnimaTestSupport", "AnimaWebhooks",
                // Built before the tests run: they launch the real binary.
                "anima-ingress",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
    ]
)
