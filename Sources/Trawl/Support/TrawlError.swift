/// An error raised by Trawl: a machine-readable code, a sentence for people, and the context.
///
/// Code switches on ``code``; users read ``message``. ``path`` names the file involved when
/// there is one (a document being read, a damaged index file), and ``underlying`` keeps the
/// lower-level cause (an `errno`, a parser error).
public struct TrawlError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, in categories that callers can act on.
    public enum Code: String, Sendable, Codable, Hashable {
        /// An argument or option was out of range or inconsistent.
        case invalidArgument
        /// A file-system operation failed (open, read, write, fsync, rename).
        case io
        /// No index exists at the given location.
        case indexNotFound
        /// Another writer holds the index lock.
        case indexLocked
        /// An index file failed validation: bad magic, checksum, or structure.
        case corruptIndex
        /// The index was written by an incompatible format version or analyzer.
        case incompatibleIndex
        /// A document could not be read (unreadable, binary, unsupported).
        case documentUnreadable
        /// A document was read but its content is malformed (bad JSON, bad front matter).
        case documentMalformed
        /// A query could not be parsed or executed.
        case invalidQuery
        /// A configured limit was exceeded (query length, prefix expansion, nesting).
        case limitExceeded
        /// The analyzer (ICU) failed to initialise or process text.
        case analysis
        /// The work was stopped before it finished because its task was cancelled
        /// (``FolderIndexer/run(paths:progress:)``); nothing was committed.
        case cancelled
    }

    /// The category of the failure.
    public var code: Code
    /// One sentence describing what happened, for people.
    public var message: String
    /// The file involved, when there is one.
    public var path: String?
    /// A lower-level description of the cause (for example an `errno` string), when known.
    public var underlying: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, path: String? = nil, underlying: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.underlying = underlying
    }

    /// The message with the path and cause appended where known.
    public var description: String {
        var text = message
        if let path { text += " (\(path))" }
        if let underlying { text += ": \(underlying)" }
        return text
    }
}

/// Runs `body` over an array's bytes, keeping the typed error (the standard library's
/// `withUnsafeBytes` only rethrows untyped errors).
@inline(__always)
func withTypedBytes<R>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(TrawlError) -> R) throws(TrawlError) -> R {
    let result: Result<R, TrawlError> = array.withUnsafeBytes { raw in
        do throws(TrawlError) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try result.get()
}

/// Runs `body` over a string's UTF-8 bytes, keeping the typed error.
@inline(__always)
func withTypedUTF8<R>(_ string: String, _ body: (UnsafeRawBufferPointer) throws(TrawlError) -> R) throws(TrawlError) -> R {
    var copy = string
    let result: Result<R, TrawlError> = copy.withUTF8 { bytes in
        do throws(TrawlError) { return .success(try body(UnsafeRawBufferPointer(bytes))) } catch { return .failure(error) }
    }
    return try result.get()
}
