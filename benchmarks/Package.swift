// swift-tools-version:6.1
import PackageDescription

// The benchmark suite lives in its own package so the main package builds and tests without
// the benchmark dependency. Run with `swift package benchmark` from this folder.
let package = Package(
    name: "TrawlBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Trawl", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "TrawlBenchmarks",
            dependencies: [
                .product(name: "Trawl", package: "Trawl"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/TrawlBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
