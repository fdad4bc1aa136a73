/// The version printed by `trawl --version`.
enum TrawlVersion {
    static let string = "0.1.0"
}
