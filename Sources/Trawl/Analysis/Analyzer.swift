import CTrawlICU

/// Turns text into tokens: the analysis chain that indexing and querying share.
///
/// An analyzer is cheap to share across threads: it keeps a small pool of ICU iterators and
/// caches, one lent to each concurrent call.
///
/// ```swift
/// let analyzer = try Analyzer(.english)
/// for token in analyzer.analyze("Russia's sanctions") {
///     print(token.term, token.position, token.start, token.end)   // russia 0 0 8, sanction 1 9 18
/// }
/// ```
public final class Analyzer: Sendable {
    /// The configuration this analyzer implements.
    public let configuration: AnalyzerConfiguration
    private let pool: PosixLock<[TokenPipeline]>
    private static let poolLimit = 16

    /// Creates an analyzer; fails with ``TrawlError/Code/analysis`` when ICU is unusable.
    public init(_ configuration: AnalyzerConfiguration = .english) throws(TrawlError) {
        self.configuration = configuration
        let first = try TokenPipeline(configuration: configuration)
        pool = PosixLock([first])
    }

    /// The ICU version in use, such as `72.1`.
    public static var icuVersion: String {
        var buffer = [CChar](repeating: 0, count: 32)
        trawl_icu_version(&buffer)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs `body` with a pipeline lent from the pool.
    func withPipeline<R>(_ body: (TokenPipeline) throws -> R) rethrows -> R {
        let lent = pool.withLock { $0.popLast() }
        let pipeline: TokenPipeline
        if let lent {
            pipeline = lent
        } else if let made = try? TokenPipeline(configuration: configuration) {
            pipeline = made
        } else {
            // ICU worked for the first pipeline; a failure here means memory exhaustion.
            // Wait for a pipeline to come back rather than failing the call.
            while true {
                if let back = pool.withLock({ $0.popLast() }) { pipeline = back; break }
            }
        }
        defer {
            pipeline.trimCaches()
            pool.withLock { if $0.count < Analyzer.poolLimit { $0.append(pipeline) } }
        }
        return try body(pipeline)
    }

    /// Analyzes a string.
    ///
    /// - Returns: the kept tokens in order; offsets are UTF-8 byte offsets into `text`.
    /// - Complexity: linear in the text's length.
    public func analyze(_ text: String) -> [Token] {
        withPipeline { $0.tokens(text) }
    }

    /// Analyzes UTF-8 bytes. Ill-formed sequences are read as U+FFFD (never a crash, never a
    /// truncation); offsets refer to the given bytes.
    public func analyze<Bytes: Sequence>(utf8 bytes: Bytes) -> [Token] where Bytes.Element == UInt8 {
        let array = Array(bytes)
        return withPipeline { pipeline in array.withUnsafeBytes { pipeline.tokens(utf8: $0) } }
    }

    /// Streams the tokens of UTF-8 text without building strings: the fast path for callers
    /// that process large volumes (indexing pipelines, throughput measurements).
    ///
    /// `body` receives each kept token as a ``TokenView`` whose term bytes are valid only
    /// during the call. Returns the number of positions the text used.
    @discardableResult
    public func forEachToken(inUTF8 text: UnsafeRawBufferPointer, _ body: (TokenView) -> Void) -> Int {
        withPipeline { pipeline in
            let terms = pipeline.terms
            return Int(pipeline.forEachToken(in: text) { term, position, start, end in
                body(TokenView(termBytes: terms.key(term), position: Int(position), start: start, end: end))
            })
        }
    }

    /// The terms of a text in order (for query words): ``analyze(_:)`` without offsets.
    public func terms(_ text: String) -> [String] {
        analyze(text).map(\.term)
    }
}
