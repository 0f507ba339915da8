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
        /// Queue semantics over Redis: push, reliable take, claim, retry, dead letters.
        .library(name: "AnimaQueue", targets: ["AnimaQueue"]),
        /// The ingress application, to embed or extend: takes an `IngressConfiguration`.
        .library(name: "AnimaIngress", targets: ["AnimaIngress"]),
        /// The worker runtime, for handlers written in Swift: takes a `WorkerConfiguration` and a
        /// `HandlerRegistry`. No command line, no subprocesses, no HTTP client.
        .library(name: "AnimaWorker", targets: ["AnimaWorker"]),
        /// `anima-worker`'s handlers that reach outside the process: a shell command, an HTTP
        /// forward; and `HandlerSpec`, the handler strings of `--on` and handlers files.
        .library(name: "AnimaHandlers", targets: ["AnimaHandlers"]),
        /// The operator's web dashboard (`anima-admin dashboard`), to embed or extend.
        .library(name: "AnimaDashboard", targets: ["AnimaDashboard"]),
        .executable(name: "anima-ingress", targets: ["anima-ingress"]),
        .executable(name: "anima-worker", targets: ["anima-worker"]),
        .executable(name: "anima-admin", targets: ["anima-admin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP (protobuf) and gRPC; only the executables link it (AnimaTracing).
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP", "OTLPGRPC"]),
    ],
    targets: [
        .systemLibrary(
            name: "CHiredis", path: "Sources/CHiredis", pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]),
        /// The system's OpenSSL, for TLS to Redis (`rediss://`); only AnimaRedis's TLS types use it.
        .systemLibrary(
            name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),
        /// glibc's pidfd_open, pipe2 and posix_spawn_file_actions_addclosefrom_np, which Swift's
        /// Glibc module leaves out; declarations only, for the command handler.
        .systemLibrary(name: "CSpawn", path: "Sources/CSpawn"),
        .target(
            name: "AnimaRedis",
            dependencies: [
                "CHiredis", "COpenSSL",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
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
                "AnimaRedis", "AnimaWebhooks",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        /// Flags and environment → settings, logging set-up: shared by the executables only (no product).
        .target(
            name: "AnimaCLI",
            dependencies: [
                "AnimaQueue", "AnimaRedis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        /// `OTEL_*` variables → an OTLP tracer bootstrapped for the process: the executables only
        /// (no product); the libraries speak swift-distributed-tracing's API alone.
        .target(
            name: "AnimaTracing",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "AnimaIngress",
            dependencies: [
                "AnimaQueue", "AnimaRedis", "AnimaWebhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "AnimaWorker",
            dependencies: [
                "AnimaQueue", "AnimaRedis", "AnimaWebhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "AnimaHandlers",
            dependencies: [
                "AnimaRedis", "AnimaWebhooks", "AnimaWorker",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                "CSpawn",
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "AnimaDashboard",
            dependencies: [
                "AnimaQueue", "AnimaRedis",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Templates"), .copy("Assets")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "anima-worker",
            dependencies: [
                "AnimaCLI", "AnimaHandlers", "AnimaQueue", "AnimaTracing", "AnimaWorker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "anima-admin",
            dependencies: [
                "AnimaCLI", "AnimaDashboard", "AnimaQueue", "AnimaRedis", "AnimaWebhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "anima-bench-reference",
            // No project module: the bench's independent ceiling for the ingress.
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "anima-ingress",
            dependencies: [
                "AnimaCLI", "AnimaIngress", "AnimaTracing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),

        /// The libFuzzer target of the parsers of untrusted bytes; `scripts/fuzz` builds and runs it
        /// (with `-DANIMA_FUZZ`; a plain build compiles a stub).
        .executableTarget(
            name: "anima-fuzz",
            dependencies: [
                "AnimaQueue", "AnimaRedis", "AnimaWebhooks",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),

        /// A worker whose handler is written in Swift with the library API: the README's example,
        /// run by the end-to-end tests.
        .executableTarget(
            name: "anima-example-worker",
            dependencies: [
                "AnimaRedis", "AnimaWebhooks", "AnimaWorker",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),

        // Tests
        .target(
            name: "AnimaTestSupport",
            dependencies: [
                "AnimaQueue", "AnimaRedis", "AnimaWebhooks",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/AnimaTestSupport",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AnimaCLITests",
            dependencies: ["AnimaCLI", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AnimaWebhooksTests",
            dependencies: ["AnimaTestSupport", "AnimaWebhooks"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AnimaRedisTests",
            dependencies: [
                "AnimaRedis", "AnimaTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AnimaQueueTests",
            dependencies: [
                "AnimaQueue", "AnimaRedis", "AnimaTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AnimaIngressTests",
            dependencies: [
                "AnimaIngress", "AnimaQueue", "AnimaRedis", "AnimaTestSupport", "AnimaWebhooks",
                // Built before the tests run: the tests of the executable launch the real binary.
                "anima-ingress",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        /// `anima-worker` end to end: the real binaries against a throwaway Redis.
        .testTarget(
            name: "WorkerBinaryTests",
            dependencies: [
                "AnimaRedis", "AnimaTestSupport",
                // Built before the tests run: they launch the real binaries.
                "anima-worker", "anima-ingress", "anima-admin", "anima-example-worker",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        /// The worker runtime (the AnimaWorker module) in process, with Swift handlers, against a throwaway Redis.
        .testTarget(
            name: "AnimaWorkerTests",
            dependencies: [
                "AnimaQueue", "AnimaRedis", "AnimaTestSupport", "AnimaWebhooks", "AnimaWorker",
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AnimaHandlersTests",
            dependencies: ["AnimaHandlers", "AnimaTestSupport", "AnimaWebhooks", "AnimaWorker"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AnimaForwardingTests",
            dependencies: [
                "AnimaTestSupport", "AnimaWebhooks",
                // Built before the tests run: they launch the real binary.
                "anima-worker",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AnimaAdminTests",
            dependencies: [
                "AnimaRedis", "AnimaTestSupport",
                // Built before the tests run: they launch the real binaries.
                "anima-admin", "anima-ingress", "anima-worker",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AnimaDashboardTests",
            dependencies: [
                "AnimaDashboard", "AnimaQueue", "AnimaRedis", "AnimaTestSupport",
                // Built before the tests run: the browser test launches the real binaries.
                "anima-admin", "anima-worker",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AnimaChaosTests",
            dependencies: [
                "AnimaTestSupport",
                // Built before the tests run: scripts/chaos runs the real binaries.
                "anima-ingress", "anima-worker", "anima-admin",
            ],
            swiftSettings: swiftSettings),
        /// Traces end to end: the real binaries exporting to an OTLP receiver (Tests/otlp).
        .testTarget(
            name: "TracingTests",
            dependencies: [
                "AnimaTestSupport",
                // Built before the tests run: they launch the real binaries.
                "anima-ingress", "anima-worker",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "DeployTests",
            dependencies: [
                "AnimaTestSupport",
                // Built before the tests run: they read each executable's --help.
                "anima-ingress", "anima-worker", "anima-admin",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings),
    ]
)
