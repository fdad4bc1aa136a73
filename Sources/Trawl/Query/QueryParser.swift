#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses query text into a ``Query`` tree: Lucene-like syntax plus Elasticsearch date math.
///
/// ```swift
/// let parser = QueryParser(analyzer: try Analyzer(.english), fields: ["title", "body", "author"])
/// let query = try parser.parse(#"sanctions AND (russia OR iran) -title:"draft" date:>=now-30d/d"#)
/// ```
///
/// The parser is a value: configure it once and share it across threads. Parsing never
/// recurses on the input (nesting is bounded by ``Limits/maximumDepth``), so hostile input
/// yields an error, never a stack overflow. See `docs/query-language.md` for the syntax.
public struct QueryParser: Sendable {
    /// How juxtaposed clauses (`a b`) combine.
    public enum Operator: String, Sendable, Hashable, Codable, CaseIterable {
        /// Every clause is required (`a b` means `a AND b`): the default.
        case and
        /// At least one clause must match (`a b` means `a OR b`).
        case or
    }

    /// Bounds that keep parsing and execution cheap on hostile input. Exceeding one is an
    /// error in strict and lenient mode alike.
    public struct Limits: Sendable, Hashable, Codable {
        /// The longest query accepted, in UTF-8 bytes (default 65,536).
        public var maximumLength: Int
        /// How deeply parentheses may nest (default 256).
        public var maximumDepth: Int
        /// How many leaf clauses (words, phrases, prefixes, date clauses) a query may hold
        /// (default 10,000).
        public var maximumClauses: Int

        /// Creates limits.
        public init(maximumLength: Int = 65_536, maximumDepth: Int = 256, maximumClauses: Int = 10_000) {
            self.maximumLength = maximumLength
            self.maximumDepth = maximumDepth
            self.maximumClauses = maximumClauses
        }
    }

    /// The fields a bare word searches (default `title` and `body`). A bare word becomes a
    /// leaf with a `nil` field; the executor searches these fields.
    public var defaultFields: [String]
    /// The text fields that `field:` may name. The date field is always known too.
    public var fields: Set<String>
    /// The field holding document dates (default `date`): its values are dates, not words.
    public var dateField: String
    /// How juxtaposed clauses combine (default ``Operator/and``).
    public var defaultOperator: Operator
    /// The analyzer for fields without an entry in ``fieldAnalyzers``.
    public var analyzer: any QueryAnalyzing
    /// Analyzers for particular fields. Bare words use the analyzer of the first default field.
    public var fieldAnalyzers: [String: any QueryAnalyzing]
    /// The clock that `now` reads, in seconds since the epoch (UTC). Read once per parse.
    public var clock: @Sendable () -> Int64
    /// Whether unparseable syntax reads as plain words instead of failing. In lenient mode only
    /// ``Limits`` produce errors; an empty or wordless query gives ``Query/matchNone``.
    public var lenient: Bool
    /// The bounds on length, nesting and clauses.
    public var limits: Limits
    /// The fewest characters a folded prefix may have (default 2): `a*` is an error.
    public var minimumPrefixLength: Int
    /// How many leading characters a fuzzy word (`word~1`) keeps unchanged in its expansions
    /// (default 0, as Lucene's `FuzzyQuery`).
    public var fuzzyPrefixLength = 0
    /// The most terms a fuzzy word expands to per field (default 50, as Lucene's `FuzzyQuery`).
    public var fuzzyMaxExpansions = Query.Fuzzy.defaultMaxExpansions
    /// The types of metadata fields (an index's ``FieldSchema``): keyword and bool fields match
    /// whole values (case-insensitively), number fields take numbers and ranges, date fields
    /// dates and ranges, text fields words. Every field named here may be named in a query.
    public var fieldTypes: [String: FieldType] = [:] {
        didSet {
            for (name, type) in fieldTypes where type == .keyword || type == .bool {
                fieldAnalyzers[name] = KeywordQueryAnalyzer()
            }
        }
    }

    /// Whether `name` holds dates (the date field or a date-typed metadata field).
    func isDateField(_ name: String?) -> Bool {
        guard let name else { return false }
        return name == dateField || fieldTypes[name] == .date
    }

    /// Whether `name` holds numbers.
    func isNumberField(_ name: String?) -> Bool {
        guard let name else { return false }
        return fieldTypes[name] == .number
    }

    /// Whether `field:` may name `name`.
    func knows(_ name: String) -> Bool { name == dateField || fields.contains(name) || fieldTypes[name] != nil }

    /// Every field name a query may use, sorted.
    var knownFields: [String] { fields.union([dateField]).union(fieldTypes.keys).sorted() }

    /// Creates a parser.
    ///
    /// - Parameters:
    ///   - analyzer: analyzes query words (normally the index's analyzer).
    ///   - fields: the text fields queries may name; the default fields are added.
    ///   - defaultFields: the fields bare words search.
    ///   - dateField: the date field's name.
    ///   - defaultOperator: how `a b` combines.
    ///   - lenient: read bad syntax as words instead of failing.
    ///   - now: a fixed clock value (seconds since the epoch); `nil` reads the system clock.
    public init(analyzer: any QueryAnalyzing, fields: [String] = ["title", "body"],
                defaultFields: [String] = ["title", "body"], dateField: String = "date",
                defaultOperator: Operator = .and, lenient: Bool = false, now: Int64? = nil) {
        self.analyzer = analyzer
        self.fields = Set(fields).union(defaultFields)
        self.defaultFields = defaultFields
        self.dateField = dateField
        self.defaultOperator = defaultOperator
        self.fieldAnalyzers = [:]
        self.lenient = lenient
        self.limits = Limits()
        self.minimumPrefixLength = 2
        if let now {
            self.clock = { now }
        } else {
            self.clock = { QueryParser.systemNow() }
        }
    }

    /// Creates a parser with the built-in English analyzer; fails only when ICU is unusable.
    public init(fields: [String] = ["title", "body"], defaultOperator: Operator = .and,
                lenient: Bool = false) throws(TrawlError) {
        self.init(analyzer: try Analyzer(.english), fields: fields, defaultOperator: defaultOperator, lenient: lenient)
    }

    /// The system clock in whole seconds since the epoch.
    public static func systemNow() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }

    /// The analyzer for a field; `nil` means the default fields.
    public func analyzer(for field: String?) -> any QueryAnalyzing {
        let name = field ?? defaultFields.first
        if let name, let specific = fieldAnalyzers[name] { return specific }
        return analyzer
    }

    /// Parses a query.
    ///
    /// - Throws: ``QuerySyntaxError`` with the kind, the 1-based character column and a
    ///   message. In lenient mode only limit errors (``QuerySyntaxError/isLimit``).
    public func parse(_ text: String) throws(QuerySyntaxError) -> Query {
        if !lenient {
            return try parseStrictOrLenient(text, lenient: false)
        }
        do {
            return try parseStrictOrLenient(text, lenient: true)
        } catch {
            if error.isLimit { throw error }
            // The lenient parser recovers from every syntax error by itself; this is a safety
            // net that reads the whole input as words should a recovery ever be missing.
            return plainWords(text)
        }
    }

    /// The parser proper, without the lenient safety net (tests call it to check that lenient
    /// parsing never needs the net).
    func parseStrictOrLenient(_ text: String, lenient: Bool) throws(QuerySyntaxError) -> Query {
        var engine = QueryParseEngine(parser: self, text: text, lenient: lenient)
        defer { engine.deallocate() }
        return try engine.run()
    }

    /// The whole input as words combined with the default operator.
    func plainWords(_ text: String) -> Query {
        var clauses: [Query] = []
        for word in text.split(whereSeparator: { $0.isWhitespace }) where clauses.count < limits.maximumClauses {
            if let q = QueryParser.wordQuery(String(word), field: nil, slop: 0, analyzer: analyzer(for: nil)) {
                clauses.append(q)
            }
        }
        if clauses.isEmpty { return .matchNone }
        if clauses.count == 1 { return clauses[0] }
        return defaultOperator == .and ? .boolean(Query.Boolean(must: clauses)) : .boolean(Query.Boolean(should: clauses))
    }

    /// The leaf for a word or phrase: `nil` when it analyzes to nothing, a term for one token,
    /// a phrase (with `slop`) for several.
    static func wordQuery(_ text: String, field: String?, slop: Int, analyzer: any QueryAnalyzing) -> Query? {
        let tokens = analyzer.analyze(text)
        switch tokens.count {
        case 0:
            return nil
        case 1:
            return .term(Query.Term(field: field, text: text, term: tokens[0].term))
        default:
            let base = tokens[0].position
            let terms = tokens.map { Query.PhraseTerm(term: $0.term, position: $0.position - base) }
            return .phrase(Query.Phrase(field: field, text: text, terms: terms, slop: slop))
        }
    }
}
