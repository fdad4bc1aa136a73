// swift-tools-version:6.1
import PackageDescription

// A tiny app that embeds Trawl: it indexes a folder of notes and searches it.
let package = Package(
    name: "NotesSearch",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Trawl", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "NotesSearch",
            dependencies: [.product(name: "Trawl", package: "Trawl")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
