#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kinds of files Trawl can read documents from.
public enum DocumentFormat: String, Sendable, Hashable, CaseIterable, Codable {
    /// Plain text (`.txt`, `.text`, files without an extension), including mail and news
    /// messages with a header block.
    case text
    /// Markdown (`.md`, `.markdown`, `.mdown`, `.mkd`, `.mkdn`) with optional YAML front matter.
    case markdown
    /// HTML (`.html`, `.htm`, `.xhtml`).
    case html
    /// One JSON object, or an array of objects (`.json`).
    case json
    /// JSON Lines: one object per line (`.jsonl`, `.ndjson`).
    case jsonLines
    /// One Internet mail message (`.eml`, and the message files of a Maildir folder).
    case email
    /// A mailbox of many messages in the mbox format (`.mbox`, `.mbx`): one document per message.
    case mbox
    /// An EPUB e-book (`.epub`): a ZIP of XHTML chapters and an OPF package document.
    case epub
    /// A Word document (`.docx`, Office Open XML).
    case docx
    /// An OpenDocument text (`.odt`).
    case odt
    /// A PDF document (`.pdf`), read through Poppler: one document per file, its pages recorded.
    case pdf

    /// Whether files of this format are ZIP archives (EPUB, Word, OpenDocument), read as
    /// binary rather than as text.
    public var isArchive: Bool {
        switch self {
        case .epub, .docx, .odt: return true
        case .text, .markdown, .html, .json, .jsonLines, .email, .mbox, .pdf: return false
        }
    }

    /// The format for a file-name extension (without the dot, any case), or `nil` when Trawl
    /// does not read such files. An empty extension gives `nil`: such files are sniffed with
    /// ``init(sniffing:)``.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "txt", "text": self = .text
        case "md", "markdown", "mdown", "mkd", "mkdn": self = .markdown
        case "html", "htm", "xhtml": self = .html
        case "json": self = .json
        case "jsonl", "ndjson": self = .jsonLines
        case "eml": self = .email
        case "mbox", "mbx": self = .mbox
        case "epub": self = .epub
        case "docx": self = .docx
        case "odt": self = .odt
        case "pdf": self = .pdf
        default: return nil
        }
    }

    /// The format suggested by the first bytes of a file whose name says nothing (no
    /// extension), or `nil` when the bytes look binary.
    ///
    /// Only the first 8 KB are looked at: an HTML doctype or `<html>` tag means HTML; an opening
    /// `{` means JSON Lines when the first line is a whole object followed by another line that
    /// starts with `{`, and JSON otherwise; `[` followed by `{` means JSON; a `---` line at the
    /// very start means Markdown with front matter. Anything else is text.
    public init?(sniffing bytes: UnsafeRawBufferPointer) {
        let buffer = bytes.bindMemory(to: UInt8.self)
        let prefix = UnsafeBufferPointer(rebasing: buffer.prefix(TextDecoding.sniffLength))
        if TextDecoding.binaryReason(prefix) != nil { return nil }
        var i = TextDecoding.hasUTF8BOM(prefix) ? 3 : 0
        while i < prefix.count, TextDecoding.isSpace(prefix[i]) { i += 1 }
        guard i < prefix.count else { self = .text; return }
        let lowered = TextDecoding.asciiLowercased(prefix[i..<min(prefix.count, i + 1024)])
        func startsWith(_ text: String) -> Bool { lowered.starts(with: text.utf8) }
        func contains(_ text: String) -> Bool {
            let needle = Array(text.utf8)
            guard lowered.count >= needle.count else { return false }
            for start in 0...(lowered.count - needle.count) where lowered[start] == needle[0] {
                if Array(lowered[start..<start + needle.count]) == needle { return true }
            }
            return false
        }
        if startsWith("<!doctype html") || startsWith("<html") || (prefix[i] == 0x3C && contains("<html")) {
            self = .html
        } else if prefix[i] == 0x7B {
            // `{`: JSON Lines when the first line ends with `}` and another line starts with `{`.
            var lineEnd = i
            while lineEnd < prefix.count, prefix[lineEnd] != 0x0A { lineEnd += 1 }
            let line = TextDecoding.trimmed(prefix, i..<lineEnd)
            var next = lineEnd
            while next < prefix.count, TextDecoding.isSpace(prefix[next]) { next += 1 }
            if lineEnd < prefix.count, !line.isEmpty, prefix[line.upperBound - 1] == 0x7D,
               next < prefix.count, prefix[next] == 0x7B {
                self = .jsonLines
            } else {
                self = .json
            }
        } else if prefix[i] == 0x5B {
            var j = i + 1
            while j < prefix.count, TextDecoding.isSpace(prefix[j]) { j += 1 }
            self = j < prefix.count && (prefix[j] == 0x7B || prefix[j] == 0x5D) ? .json : .text
        } else if i == (TextDecoding.hasUTF8BOM(prefix) ? 3 : 0), startsWith("---"),
                  prefix.count > i + 3, prefix[i + 3] == 0x0A || prefix[i + 3] == 0x0D {
            self = .markdown
        } else {
            self = .text
        }
    }

    /// The format for a path: from its extension, or `nil` when the extension is unknown or
    /// absent (the caller may then sniff the content).
    init?(path: String) {
        let name = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        self.init(pathExtension: String(name[name.index(after: dot)...]))
    }
}

/// What reading one file produced: its documents, and the problems that did not stop the
/// reading (a malformed line in a JSON Lines file, a date that does not exist).
public struct DocumentReadResult: Sendable, Equatable {
    /// The documents read, in file order.
    public var documents: [Document]
    /// Problems that were worked around; each names the file in its ``TrawlError/path``.
    public var warnings: [TrawlError]

    /// The encoding the file was read with (``TextEncoding/utf8`` for valid UTF-8). When it
    /// was not decoded cleanly (a weak guess, bytes replaced by U+FFFD), ``warnings`` says so.
    /// Mail, whose parts each have their own charset, gives the first part that was not
    /// UTF-8; EPUB, Word and OpenDocument files (XML in UTF-8 or as declared) give UTF-8.
    public var encoding: TextEncoding

    /// Creates a result.
    public init(documents: [Document] = [], warnings: [TrawlError] = [], encoding: TextEncoding = .utf8) {
        self.documents = documents
        self.warnings = warnings
        self.encoding = encoding
    }
}

/// Turns the bytes of one file into documents.
///
/// Every failure is a ``TrawlError`` with ``TrawlError/path`` set to the relative path:
/// `.documentUnreadable` for files that cannot be read as documents (binary content, too
/// large, not a regular file), `.documentMalformed` for content that cannot be parsed
/// (invalid JSON, front matter that is not YAML), `.io` for file-system failures. Problems
/// that do not stop the reading are returned as warnings in ``DocumentReadResult``.
///
/// Valid UTF-8 is read as is. Other text is converted to UTF-8 from the encoding named by a
/// byte-order mark, forced by ``Options/encoding``, declared by the file, or detected by ICU
/// (see ``TextEncoding``); the result's ``DocumentReadResult/encoding`` tells which, and a
/// warning names a file that could not be decoded with confidence (its undecodable bytes
/// become U+FFFD). An empty or whitespace-only file gives no documents.
/// A NUL byte in the first 8 KB, or too many control bytes there, makes a file binary
/// (`.documentUnreadable`) unless it starts with a UTF-16 or UTF-32 byte-order mark; a later
/// NUL byte is repaired to U+FFFD. The reader keeps no state: one value can read on several threads at once.
///
/// Document ids:
/// - text, Markdown, HTML, EPUB, Word, OpenDocument and single mail message files: the
///   relative path (one document per file);
/// - `.mbox`: `relativePath#<Message-ID>` per message (without the angle brackets), or
///   `relativePath#<n>` (the 1-based ordinal in the mailbox) for a message without a
///   Message-ID or with one already used in the file (see ``MailReader``);
/// - `.json` with one object: its `id`, or the relative path when it has none;
/// - `.json` with an array of objects: each object's `id`, or `relativePath#<index>` (0-based);
/// - `.jsonl`: each line's `id` **as is** (the collections rely on this: a Reuters document
///   has the id `"12345"`), or `relativePath#<line number>` (1-based) when a line has none.
///   Ids must be unique in an index, so files with `id` keys must not reuse each other's ids.
///
/// JSON keys: `id` (string or number), `title`, `date`, and `body` (or `text`, or `content`,
/// when there is no `body`) fill the document; every other key becomes a typed field
/// (``Document/fields``): a string a ``FieldValue/string(_:)``, a number an
/// ``FieldValue/integer(_:)`` when its value is whole and fits 64 bits and a
/// ``FieldValue/double(_:)`` otherwise, `true`/`false` a ``FieldValue/bool(_:)``, an array the
/// ``FieldValue/strings(_:)`` of its scalars' text, a nested object `parent.child` fields (three
/// levels deep at most). `null` values, empty strings, keys starting with `_` and numbers too
/// large for a double (with a warning) are left out.
///
/// Markdown front matter and HTML `<meta>` tags give typed fields too (see the formats'
/// readers: YAML scalars as YAML types them, `keywords` and `article:tag` as lists); plain
/// text gives the `author` of a `From:` header.
public struct DocumentReader: Sendable {
    /// Limits applied while reading.
    public struct Options: Sendable, Hashable {
        /// Files larger than this many bytes are refused as `.documentUnreadable` ("file too
        /// large"). Default 256 MiB.
        public var maximumFileSize: Int
        /// The deepest JSON nesting accepted before a file (or a JSON Lines line) is reported as
        /// malformed. Default 512.
        public var maximumJSONDepth: Int
        /// At most this many warnings are kept per file; the last one then says how many more
        /// there were. Default 100.
        public var maximumWarnings: Int
        /// The charset (any name ICU knows, e.g. `ISO-8859-1`, `cp1252`, `Shift_JIS`) of files
        /// that are not valid UTF-8 and have no byte-order mark, instead of their declared or
        /// detected encoding. `nil` (the default) detects. An unknown name makes every read
        /// fail with `.invalidArgument`; check it first with ``TextEncoding/standardName(_:)``.
        public var encoding: String?
        /// A detected encoding with a confidence (0–100) below this, or one that leaves more
        /// than 1 % of the bytes undecodable, is not trusted: the file is read as UTF-8 with
        /// invalid bytes replaced by U+FFFD, and a warning says so. Default 10.
        public var minimumConfidence: Int
        /// The largest mail message read, in bytes: a larger `.eml` or Maildir file is refused
        /// as `.documentUnreadable`, a larger message of an mbox is left out with a warning.
        /// Default 64 MiB.
        public var maximumMessageSize: Int
        /// The most bytes an EPUB, Word or OpenDocument file may inflate to, all the members
        /// read added up: beyond it the file is refused as `.documentUnreadable` (a "zip bomb"
        /// guard that counts the bytes actually inflated, not the sizes the archive claims).
        /// Default 256 MiB.
        public var maximumUncompressedSize: Int

        /// Creates options; the defaults suit any collection.
        public init(maximumFileSize: Int = 256 << 20, maximumJSONDepth: Int = 512, maximumWarnings: Int = 100,
                    encoding: String? = nil, minimumConfidence: Int = 10, maximumMessageSize: Int = 64 << 20,
                    maximumUncompressedSize: Int = 256 << 20) {
            self.maximumFileSize = maximumFileSize
            self.maximumJSONDepth = maximumJSONDepth
            self.maximumWarnings = maximumWarnings
            self.encoding = encoding
            self.minimumConfidence = minimumConfidence
            self.maximumMessageSize = maximumMessageSize
            self.maximumUncompressedSize = maximumUncompressedSize
        }
    }

    /// The limits in force.
    public var options: Options

    /// Creates a reader.
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Reads documents from bytes already in memory.
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - relativePath: the path relative to the indexed root: the id of text, Markdown and
    ///     HTML documents, and the path named in errors.
    ///   - format: how to read the bytes.
    public func read(contentsOf bytes: UnsafeRawBufferPointer, relativePath: String,
                     format: DocumentFormat) throws(TrawlError) -> DocumentReadResult {
        guard bytes.count <= options.maximumFileSize else {
            throw tooLarge(size: Int64(bytes.count), path: relativePath)
        }
        let buffer = bytes.bindMemory(to: UInt8.self)
        switch format {
        case .epub, .docx, .odt:
            if TextDecoding.isBlank(buffer) { return DocumentReadResult() }
            var context = ReadContext(relativePath: relativePath, maximumWarnings: options.maximumWarnings)
            let documents = try PackageReader.read(buffer, format: format, options: options, context: &context)
            return DocumentReadResult(documents: documents, warnings: context.finishedWarnings())
        case .email, .mbox:
            if let name = options.encoding, TextEncoding.standardName(name) == nil {
                throw TrawlError(.invalidArgument, "The encoding \"\(name)\" is not known.", path: relativePath)
            }
            var context = ReadContext(relativePath: relativePath, maximumWarnings: options.maximumWarnings)
            let documents = format == .email
                ? try MailReader.readMessage(buffer, options: options, context: &context)
                : MailReader.readMailbox(buffer, options: options, context: &context)
            return DocumentReadResult(documents: documents, warnings: context.finishedWarnings(),
                                      encoding: context.partEncoding ?? .utf8)
        case .pdf:
            if TextDecoding.isBlank(buffer) { return DocumentReadResult() }
            var context = ReadContext(relativePath: relativePath, maximumWarnings: options.maximumWarnings)
            let documents = try PDFReader.read(buffer, context: &context)
            return DocumentReadResult(documents: documents, warnings: context.finishedWarnings())
        case .text, .markdown, .html, .json, .jsonLines:
            break
        }
        if TextDecoding.isBlank(buffer) { return DocumentReadResult() }
        if let reason = TextDecoding.binaryReason(buffer) {
            throw TrawlError(.documentUnreadable, "The file is a binary file, not text: \(reason).", path: relativePath)
        }
        var forced: String?
        if let name = options.encoding {
            guard let standard = TextEncoding.standardName(name) else {
                throw TrawlError(.invalidArgument, "The encoding \"\(name)\" is not known.", path: relativePath)
            }
            forced = standard
        }
        var context = ReadContext(relativePath: relativePath, maximumWarnings: options.maximumWarnings)
        let decoded = EncodingDetection.decode(buffer, format: format, forced: forced,
                                               minimumConfidence: options.minimumConfidence, context: &context)
        let maximumDepth = options.maximumJSONDepth
        let documents = try decoded.withUTF8(buffer) { (text) throws(TrawlError) -> [Document] in
            switch format {
            case .text:
                return TextReader.read(TextDecoding.normalizedText(text), context: &context)
            case .markdown:
                return try MarkdownReader.read(TextDecoding.normalizedText(text), context: &context)
            case .html:
                return try HTMLReader.read(text, context: &context)
            case .json:
                return try JSONReader.readJSON(text, maximumDepth: maximumDepth, context: &context)
            case .jsonLines:
                return JSONReader.readJSONLines(text, maximumDepth: maximumDepth, context: &context)
            case .email, .mbox, .epub, .docx, .odt, .pdf:
                return [] // read above
            }
        }
        return DocumentReadResult(documents: documents, warnings: context.finishedWarnings(), encoding: decoded.encoding)
    }

    /// Reads documents from bytes already in memory.
    ///
    /// The same as ``read(contentsOf:relativePath:format:)-(UnsafeRawBufferPointer,_,_)`` for an array.
    public func read(contentsOf bytes: [UInt8], relativePath: String,
                     format: DocumentFormat) throws(TrawlError) -> DocumentReadResult {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(TrawlError) in try read(contentsOf: raw, relativePath: relativePath, format: format) }
        }
        return try result.get()
    }

    /// Reads the documents of a file.
    ///
    /// - Parameters:
    ///   - path: where the file is.
    ///   - relativePath: the path relative to the indexed root (ids and error paths).
    ///   - format: how to read the file; `nil` chooses from the extension, and sniffs the first
    ///     bytes when the extension is missing or unknown (see ``DocumentFormat/init(sniffing:)``).
    public func read(fileAt path: String, relativePath: String,
                     format: DocumentFormat? = nil) throws(TrawlError) -> DocumentReadResult {
        try read(pathBytes: Array(path.utf8), relativePath: relativePath, format: format ?? DocumentFormat(path: path))
    }

    /// Reads the documents of a file found by ``FolderScanner``, with its detected format and
    /// its relative path as the id.
    public func read(_ file: ScannedFile) throws(TrawlError) -> DocumentReadResult {
        try read(pathBytes: file.pathBytes, relativePath: file.relativePath, format: file.format)
    }

    private func read(pathBytes: [UInt8], relativePath: String,
                      format: DocumentFormat?) throws(TrawlError) -> DocumentReadResult {
        let bytes = try FileBytes.read(pathBytes: pathBytes, relativePath: relativePath,
                                       maximumSize: options.maximumFileSize)
        let chosen: DocumentFormat
        if let format {
            chosen = format
        } else {
            guard let sniffed = bytes.withUnsafeBytes({ DocumentFormat(sniffing: $0) }) else {
                // Let the reader name the binary content.
                return try read(contentsOf: bytes, relativePath: relativePath, format: .text)
            }
            chosen = sniffed
        }
        return try read(contentsOf: bytes, relativePath: relativePath, format: chosen)
    }

    private func tooLarge(size: Int64, path: String) -> TrawlError {
        TrawlError(.documentUnreadable,
                   "The file is too large: \(size) bytes, more than the limit of \(options.maximumFileSize) bytes.",
                   path: path)
    }
}

/// The per-file state the readers share: the relative path and the warnings so far.
struct ReadContext {
    let relativePath: String
    let maximumWarnings: Int
    private(set) var warnings: [TrawlError] = []
    private var droppedWarnings = 0

    init(relativePath: String, maximumWarnings: Int = 100) {
        self.relativePath = relativePath
        self.maximumWarnings = max(1, maximumWarnings)
    }

    /// The encoding of the first part of the file that was not plain UTF-8, for formats whose
    /// parts each have their own (mail): later parts in the same charset add their replacements.
    private(set) var partEncoding: TextEncoding?

    /// Notes the encoding a part of the file was read with (see ``partEncoding``).
    mutating func record(_ encoding: TextEncoding) {
        guard !encoding.isPlainUTF8 || encoding.replacements > 0 else { return }
        if partEncoding == nil {
            partEncoding = encoding
        } else if partEncoding?.name == encoding.name {
            partEncoding?.replacements += encoding.replacements
        }
    }

    /// Records a problem that did not stop the reading.
    mutating func warn(_ message: String, code: TrawlError.Code = .documentMalformed, underlying: String? = nil) {
        if warnings.count < maximumWarnings {
            warnings.append(TrawlError(code, message, path: relativePath, underlying: underlying))
        } else {
            droppedWarnings += 1
        }
    }

    /// An error about this file.
    func error(_ code: TrawlError.Code, _ message: String, underlying: String? = nil) -> TrawlError {
        TrawlError(code, message, path: relativePath, underlying: underlying)
    }

    /// Parses a date, warning when it is present but not a valid date.
    ///
    /// - Parameter source: where the date was found, for the warning ("line 3", "the Date: header").
    mutating func date(_ text: String, source: String? = nil) -> DocumentDate? {
        let trimmed = TextDecoding.collapsingWhitespace(text)
        guard !trimmed.isEmpty else { return nil }
        if let date = DateParsing.parse(trimmed) { return date }
        let shown = trimmed.count > 60 ? String(trimmed.prefix(60)) + "…" : trimmed
        let place = source.map { " in \($0)" } ?? ""
        warn("The date \"\(shown)\"\(place) is not a valid date, so the document is indexed without a date.")
        return nil
    }

    /// The warnings; when there were more than the maximum, the last one kept is replaced by
    /// one that counts those left out.
    func finishedWarnings() -> [TrawlError] {
        guard droppedWarnings > 0 else { return warnings }
        let kept = warnings.prefix(maximumWarnings - 1)
        let unlisted = droppedWarnings + warnings.count - kept.count
        return Array(kept) + [TrawlError(.documentMalformed,
                                         "\(unlisted) more problems were found in the file and not listed.",
                                         path: relativePath)]
    }
}

/// Reading whole files with POSIX calls, refusing what is not a regular file or too large.
enum FileBytes {
    static func read(pathBytes: [UInt8], relativePath: String, maximumSize: Int) throws(TrawlError) -> [UInt8] {
        let cPath = pathBytes + [0]
        let fd: Int32 = cPath.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            }
        }
        guard fd >= 0 else {
            let code = errno
            let what = code == ENOENT ? "The file does not exist." :
                code == EACCES ? "The file cannot be opened: permission denied." : "The file cannot be opened."
            throw TrawlError(.io, what, path: relativePath, underlying: String(cString: strerror(code)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw TrawlError(.io, "The file's status cannot be read.", path: relativePath,
                             underlying: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            let what = (info.st_mode & S_IFMT) == S_IFDIR ? "a folder" : "not a regular file"
            throw TrawlError(.documentUnreadable, "The path is \(what), so it cannot be read as a document.",
                             path: relativePath)
        }
        let size = Int(info.st_size)
        guard size <= maximumSize else {
            throw TrawlError(.documentUnreadable,
                             "The file is too large: \(size) bytes, more than the limit of \(maximumSize) bytes.",
                             path: relativePath)
        }
        // Back to blocking reads now that the file is known to be regular.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        // Read until end of file (the file may change size while it is read), up to the limit.
        var bytes = [UInt8](repeating: 0, count: size + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count <= maximumSize else {
                    throw TrawlError(.documentUnreadable,
                                     "The file is too large: it grew beyond the limit of \(maximumSize) bytes while being read.",
                                     path: relativePath)
                }
                bytes.append(contentsOf: repeatElement(0, count: min(max(bytes.count, 4096), maximumSize + 1 - bytes.count)))
            }
            let result = bytes.withUnsafeMutableBytes { raw in
                Glibc_read(fd, raw.baseAddress! + filled, raw.count - filled)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw TrawlError(.io, "The file cannot be read.", path: relativePath,
                                 underlying: String(cString: strerror(errno)))
            }
            if result == 0 { break }
            filled += result
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    @inline(__always)
    private static func Glibc_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.read(fd, buffer, count)
        #else
        return Darwin.read(fd, buffer, count)
        #endif
    }
}
