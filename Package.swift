// swift-tools-version:6.1
import PackageDescription
import Foundation

/// The sanitizer script (scripts/sanitizers.sh) sets TRAWL_SANITIZER: it builds only the library
/// and its test targets, so the HTTP server and its dependencies stay out of those builds.
let includeServer = ProcessInfo.processInfo.environment["TRAWL_SANITIZER"] == nil

let package = Package(
    name: "Trawl",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Trawl", targets: ["Trawl"]),
        .executable(name: "trawl", targets: ["TrawlCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // Writes the EPUB, Word and OpenDocument fixtures of the tests (the library reads ZIP
        // archives itself: see Sources/Trawl/Documents/ZipMembers.swift).
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ] + (includeServer ? [
        // The HTTP server (`trawl serve`); the library product `Trawl` never depends on these.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.70.0"),
    ] : []),
    targets: [
        // Thin C wrapper over the system ICU: word breaking, normalization, charset detection and conversion.
        // ICU renames its symbols per version with macros, so it is called from C only.
        .target(
            name: "CTrawlICU",
            linkerSettings: [.linkedLibrary("icuuc"), .linkedLibrary("icui18n"), .linkedLibrary("icudata")]
        ),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // The Snowball stemmers of every language libstemmer has (English keeps its own Swift stemmer).
        .systemLibrary(
            name: "CStemmer",
            providers: [.apt(["libstemmer-dev"])]
        ),
        // Compact Language Detector 2 (Debian's libcld2-dev) behind a C face: its API is C++.
        .target(
            name: "CTrawlCLD2",
            linkerSettings: [.linkedLibrary("cld2")]
        ),
        .systemLibrary(
            name: "CTrawlZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "Trawl",
            dependencies: [
                "CTrawlICU", "CLibXML2", "CTrawlZlib", "CStemmer", "CTrawlCLD2",
                // Poppler (PDF) is loaded with dlopen on first use: see Documents/PopplerLibrary.swift.
                .product(name: "Yams", package: "Yams"),
            ]
            // No unsafe flags (SwiftPM refuses them in a package used by version): the hot
            // classes' stored properties (scorers, postings cursors and writers, analysis tables)
            // are declared `@exclusivity(unchecked)` instead, which removes the dynamic
            // exclusivity checks where they cost query and indexing time.
        ),
        .executableTarget(
            name: "TrawlCLI",
            // `trawl serve` compiles only where the server target exists (see includeServer).
            dependencies: ["Trawl", .product(name: "ArgumentParser", package: "swift-argument-parser")]
                + (includeServer ? ["TrawlServer"] : [])
        ),
        .testTarget(name: "TrawlTests", dependencies: ["Trawl", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .testTarget(name: "TrawlCLITests", dependencies: ["Trawl", "TrawlCLI"]),
        .testTarget(name: "TrawlReliabilityTests", dependencies: ["Trawl"]),
    ] + (includeServer ? [
        // The HTTP layer over the library's Service folder: router, middleware, application.
        .target(
            name: "TrawlServer",
            dependencies: [
                "Trawl",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "TrawlServerTests",
            // Talks to a real server over loopback with a small HTTP/1.1 client of its own
            // (raw request lines, so hostile paths reach the server unchanged).
            dependencies: ["Trawl", "TrawlServer"]
        ),
    ] : []),
    swiftLanguageModes: [.v6]
)
