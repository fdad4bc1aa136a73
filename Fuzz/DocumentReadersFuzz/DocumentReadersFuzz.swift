// libFuzzer entry point for the document readers: text, Markdown with YAML front matter (Yams),
// HTML (libxml2), JSON and JSON Lines. Built by `Fuzz/build.sh DocumentReadersFuzz` against the
// whole library compiled with -enable-testing, hence `@testable import`.
@testable import Trawl

private let reader = DocumentReader(options: DocumentReader.Options(maximumFileSize: 1 << 20, maximumJSONDepth: 512,
                                                                    maximumWarnings: 100))

/// The first byte chooses the format (its value modulo 6; 5 means "sniff the content"); the rest
/// is the file. Every input must give documents and warnings naming the file, or a typed error
/// naming it with a reader's code; anything else traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let selector = Int(data[0]) % 6
    let file = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let format: DocumentFormat
    if selector < DocumentFormat.allCases.count {
        format = DocumentFormat.allCases[selector]
    } else {
        guard let sniffed = DocumentFormat(sniffing: file) else { return 0 }
        format = sniffed
    }
    do {
        let result = try reader.read(contentsOf: file, relativePath: "fuzz.input", format: format)
        for warning in result.warnings where warning.path != "fuzz.input" {
            fatalError("a warning does not name the file: \(warning)")
        }
        if result.warnings.count > 100 { fatalError("\(result.warnings.count) warnings, more than the limit") }
        for document in result.documents {
            // Touch every string so a malformed one would surface under ASan.
            _ = document.id.utf8.count + document.title.utf8.count + document.body.utf8.count
            for (name, value) in document.fields { _ = name.utf8.count + value.description.utf8.count }
        }
    } catch {
        if error.path != "fuzz.input" { fatalError("an error does not name the file: \(error)") }
        if ![.documentUnreadable, .documentMalformed].contains(error.code) {
            fatalError("unexpected error code \(error.code): \(error)")
        }
    }
    return 0
}
