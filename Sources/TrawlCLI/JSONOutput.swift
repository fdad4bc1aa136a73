import Trawl

/// The JSON values the commands print: the library's ordered ``JSON`` tree, rendered compactly.
typealias JSONOutput = JSON
