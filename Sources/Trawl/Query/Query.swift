/// A parsed (or built) search query: a tree that an executor runs directly.
///
/// Leaves keep both what the user wrote (``Term/text``) and what the analyzer made of it
/// (``Term/term``); equality compares both. A leaf whose ``Term/field`` is `nil` searches the
/// parser's default fields (title and body), which lets an executor score one word across
/// fields (BM25F with field weights) instead of seeing an `OR` of per-field terms.
///
/// ``description`` prints canonical query syntax: for every tree the parser produces (and every
/// tree the builder functions produce), parsing the description with the same parser
/// configuration gives back an equal tree. Printed booleans always spell their operators
/// (`AND`, `OR`, `NOT`, `+`, `-`), so the printout means the same under either default operator.
///
/// ```swift
/// let query = try parser.parse(#"title:Sanctions AND "russia iran"~2 -date:<2020"#)
/// print(query)   // title:Sanctions AND "russia iran"~2 AND NOT date:<2020
/// ```
public indirect enum Query: Sendable, Hashable, CustomStringConvertible {
    /// One word that analyzed to one term.
    case term(Term)
    /// Several terms at given positions, within a slop: a quoted phrase, or a single word that
    /// analyzed to several terms (`well-known`, `U.S.A`, CJK text).
    case phrase(Phrase)
    /// Every term that starts with a prefix (`sanction*`), expanded by the executor.
    case prefix(Prefix)
    /// Every term within a few edits of a word (`oli~1`), expanded by the executor and scored as
    /// one blended term.
    case fuzzy(Fuzzy)
    /// Documents whose date lies in a closed interval of seconds.
    case dateRange(DateRange)
    /// Documents whose number field lies in a range (`words:>1000`, `rating:[3 TO 5]`).
    case numberRange(NumberRange)
    /// Documents that have a value in a field (`_exists_:author`).
    case exists(Exists)
    /// Required, optional and excluded clauses.
    case boolean(Boolean)
    /// A clause whose score is multiplied by a factor (`term^2`). The factor is finite and ≥ 0.
    case boost(Query, Double)
    /// Every document (`*:*`). Also the implicit positive clause of a purely negative query:
    /// `-foo` is `.boolean(must: [.matchAll], mustNot: [foo])`.
    case matchAll
    /// No document. Produced only at the root: for an empty or wordless query in lenient mode,
    /// and by builder calls whose words all analyze to nothing. Prints as `""`.
    case matchNone

    /// One analyzed word.
    public struct Term: Sendable, Hashable {
        /// The field searched, or `nil` for the default fields.
        public var field: String?
        /// The word as the user wrote it, with escapes resolved.
        public var text: String
        /// The analyzed term (folded and stemmed).
        public var term: String

        /// Creates a term leaf from already analyzed text.
        public init(field: String?, text: String, term: String) {
            self.field = field
            self.text = text
            self.term = term
        }
    }

    /// A term of a phrase and its position relative to the phrase's first term.
    public struct PhraseTerm: Sendable, Hashable {
        /// The analyzed term.
        public var term: String
        /// The analyzer position minus the first term's position (gaps from dropped stop words remain).
        public var position: Int

        /// Creates a phrase term.
        public init(term: String, position: Int) {
            self.term = term
            self.position = position
        }
    }

    /// Several terms at positions: matches when the terms occur with a total displacement of at
    /// most ``slop`` positions (Lucene's sloppy phrase semantics; 0 is an exact phrase).
    public struct Phrase: Sendable, Hashable {
        /// The field searched, or `nil` for the default fields.
        public var field: String?
        /// The phrase as the user wrote it (without quotes, escapes resolved).
        public var text: String
        /// Two or more analyzed terms with their relative positions.
        public var terms: [PhraseTerm]
        /// How many position moves are allowed (`"a b"~5`); 0 for an exact phrase.
        public var slop: Int

        /// Creates a phrase leaf from already analyzed terms.
        public init(field: String?, text: String, terms: [PhraseTerm], slop: Int) {
            self.field = field
            self.text = text
            self.terms = terms
            self.slop = slop
        }
    }

    /// Every term starting with ``prefix``.
    ///
    /// Equality and hashing ignore ``column``, which only locates the prefix for errors.
    public struct Prefix: Sendable, Hashable {
        /// The field searched, or `nil` for the default fields.
        public var field: String?
        /// The prefix as the user wrote it, without the `*`.
        public var text: String
        /// The prefix folded like indexed terms (case, accents) but not stemmed.
        public var prefix: String
        /// The 1-based column of the prefix in the parsed query, for
        /// ``QuerySyntaxError/prefixTooBroad(prefix:count:limit:column:)``; `nil` when built in code.
        public var column: Int?

        /// Creates a prefix leaf.
        public init(field: String?, text: String, prefix: String, column: Int? = nil) {
            self.field = field
            self.text = text
            self.prefix = prefix
            self.column = column
        }

        /// Compares field, text and prefix (not the column).
        public static func == (lhs: Prefix, rhs: Prefix) -> Bool {
            lhs.field == rhs.field && lhs.text == rhs.text && lhs.prefix == rhs.prefix
        }

        /// Hashes field, text and prefix (not the column).
        public func hash(into hasher: inout Hasher) {
            hasher.combine(field)
            hasher.combine(text)
            hasher.combine(prefix)
        }
    }

    /// Every term within ``maxEdits`` edits of ``term`` (Damerau–Levenshtein, optimal string
    /// alignment: an insertion, deletion, substitution or transposition of two neighbouring
    /// characters each count one), that keeps the first ``prefixLength`` characters unchanged;
    /// at most ``maxExpansions`` of them are used (the nearest, then the most frequent).
    ///
    /// Equality and hashing ignore ``column``, which only locates the word for errors.
    public struct Fuzzy: Sendable, Hashable {
        /// The default cap on expansions (Lucene's `FuzzyQuery.defaultMaxExpansions`).
        public static let defaultMaxExpansions = 50
        /// The largest supported edit distance.
        public static let maximumEdits = 2

        /// The field searched, or `nil` for the default fields.
        public var field: String?
        /// The word as the user wrote it, without the `~`.
        public var text: String
        /// The analyzed word (folded and stemmed), which the expansions are measured from.
        public var term: String
        /// The largest edit distance, 0 to ``maximumEdits``.
        public var maxEdits: Int
        /// How many leading characters of ``term`` an expansion must share unchanged.
        public var prefixLength: Int
        /// The most expansions used per field.
        public var maxExpansions: Int
        /// The 1-based column of the word in the parsed query; `nil` when built in code.
        public var column: Int?
        /// The word folded but not stemmed, when inflected forms count too (typo mode): then a
        /// term also matches when one of its usual inflected forms (the stem plus a common
        /// suffix that the analyzer strips back to it) is within ``maxEdits`` of this word, so
        /// `estimzts` finds the stem of `estimates`. `nil` for `word~N`.
        public var surface: String?

        /// Creates a fuzzy leaf from an already analyzed word.
        public init(field: String?, text: String, term: String, maxEdits: Int = Fuzzy.maximumEdits,
                    prefixLength: Int = 0, maxExpansions: Int = Fuzzy.defaultMaxExpansions, column: Int? = nil) {
            self.field = field
            self.text = text
            self.term = term
            self.maxEdits = max(0, min(maxEdits, Fuzzy.maximumEdits))
            self.prefixLength = max(0, prefixLength)
            self.maxExpansions = max(1, maxExpansions)
            self.column = column
        }

        /// Compares everything but the column.
        public static func == (lhs: Fuzzy, rhs: Fuzzy) -> Bool {
            lhs.field == rhs.field && lhs.text == rhs.text && lhs.term == rhs.term && lhs.maxEdits == rhs.maxEdits
                && lhs.prefixLength == rhs.prefixLength && lhs.maxExpansions == rhs.maxExpansions && lhs.surface == rhs.surface
        }

        /// Hashes everything but the column.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(field)
            hasher.combine(text)
            hasher.combine(term)
            hasher.combine(maxEdits)
            hasher.combine(prefixLength)
            hasher.combine(maxExpansions)
            hasher.combine(surface)
        }
    }

    /// A comparison operator of a one-sided date clause (`date:>=2024-06-01`).
    public enum DateComparison: String, Sendable, Hashable, CaseIterable {
        /// `>`: after the whole interval the date denotes.
        case greater = ">"
        /// `>=`: from the start of the interval.
        case greaterOrEqual = ">="
        /// `<`: before the start of the interval.
        case less = "<"
        /// `<=`: up to the end of the interval.
        case lessOrEqual = "<="
    }

    /// How a date clause was written, kept for printing.
    public enum DateSyntax: Sendable, Hashable {
        /// `date:2024-03`: the whole interval the expression denotes (`*` for any date).
        case value(String)
        /// `date:>=now-30d`.
        case comparison(DateComparison, String)
        /// `date:[2024-01-01 TO 2024-03-31}`; a `nil` bound is `*` (open).
        case range(lower: String?, lowerInclusive: Bool, upper: String?, upperInclusive: Bool)
    }

    /// Documents whose date is within `lower...upper` (both inclusive, seconds since the epoch,
    /// UTC); a `nil` bound is open. Documents without a date never match.
    public struct DateRange: Sendable, Hashable {
        /// The date field (`date`).
        public var field: String
        /// The first matching second, or `nil` for no lower bound.
        public var lower: Int64?
        /// The last matching second, or `nil` for no upper bound.
        public var upper: Int64?
        /// The clause as written, for printing.
        public var syntax: DateSyntax

        /// Creates a resolved date range.
        public init(field: String, lower: Int64?, upper: Int64?, syntax: DateSyntax) {
            self.field = field
            self.lower = lower
            self.upper = upper
            self.syntax = syntax
        }

        /// Whether a date (seconds since the epoch) lies in the range.
        public func contains(_ seconds: Int64) -> Bool {
            if let lower, seconds < lower { return false }
            if let upper, seconds > upper { return false }
            return true
        }
    }

    /// Documents whose number field lies in a range; a `nil` bound is open. Documents without a
    /// value never match. A filter: it adds nothing to the score.
    public struct NumberRange: Sendable, Hashable {
        /// The number field.
        public var field: String
        /// The lower bound, or `nil` for none.
        public var lower: Double?
        /// Whether the lower bound itself matches.
        public var lowerInclusive: Bool
        /// The upper bound, or `nil` for none.
        public var upper: Double?
        /// Whether the upper bound itself matches.
        public var upperInclusive: Bool

        /// Creates a number range.
        public init(field: String, lower: Double?, lowerInclusive: Bool = true, upper: Double?, upperInclusive: Bool = true) {
            self.field = field
            self.lower = lower
            self.lowerInclusive = lowerInclusive
            self.upper = upper
            self.upperInclusive = upperInclusive
        }

        /// Whether a value lies in the range (NaN, a missing value, never does).
        public func contains(_ value: Double) -> Bool {
            if value.isNaN { return false }
            if let lower, lowerInclusive ? value < lower : value <= lower { return false }
            if let upper, upperInclusive ? value > upper : value >= upper { return false }
            return true
        }
    }

    /// Documents with at least one value in a field (text with at least one word, keyword values,
    /// a number, a date). A filter: it adds nothing to the score.
    public struct Exists: Sendable, Hashable {
        /// The field.
        public var field: String

        /// Creates an exists clause.
        public init(field: String) { self.field = field }
    }

    /// Clauses combined Lucene-style: every ``must`` clause matches, no ``mustNot`` clause
    /// matches, and — when ``must`` is empty — at least one ``should`` clause matches. When
    /// ``must`` is not empty, ``should`` clauses are optional and only add to the score.
    ///
    /// The parser never leaves a boolean without a positive clause: a purely negative group
    /// gets ``Query/matchAll`` as its ``must`` clause.
    public struct Boolean: Sendable, Hashable {
        /// Clauses that must match.
        public var must: [Query]
        /// Clauses of which at least one must match when ``must`` is empty; optional otherwise.
        public var should: [Query]
        /// Clauses that must not match.
        public var mustNot: [Query]

        /// Creates a boolean node as is (see ``Query/boolean(must:should:mustNot:)`` for the
        /// normalizing builder).
        public init(must: [Query] = [], should: [Query] = [], mustNot: [Query] = []) {
            self.must = must
            self.should = should
            self.mustNot = mustNot
        }
    }

    /// The canonical query syntax of the tree (see the type's discussion).
    public var description: String {
        var out = ""
        QueryPrinter.print(self, into: &out)
        return out
    }
}

/// Prints trees as canonical syntax.
enum QueryPrinter {
    static func print(_ query: Query, into out: inout String) {
        switch query {
        case .boolean(let b):
            printBoolean(b, into: &out)
        case .matchNone:
            out += "\"\""
        default:
            printOperand(query, into: &out)
        }
    }

    /// A query as an operand of a boolean or a boost: booleans are parenthesized.
    static func printOperand(_ query: Query, into out: inout String) {
        switch query {
        case .term(let t):
            printField(t.field, into: &out)
            if containsWhitespace(t.text) {
                printQuoted(t.text, into: &out)
            } else {
                printEscapedWord(t.text, into: &out)
            }
        case .phrase(let p):
            printField(p.field, into: &out)
            printQuoted(p.text, into: &out)
            if p.slop != 0 { out += "~\(p.slop)" }
        case .prefix(let p):
            printField(p.field, into: &out)
            printEscapedWord(p.text, into: &out)
            out += "*"
        case .fuzzy(let f):
            printField(f.field, into: &out)
            printEscapedWord(f.text, into: &out)
            out += "~\(f.maxEdits)"
        case .dateRange(let d):
            out += d.field
            out += ":"
            switch d.syntax {
            case .value(let text):
                out += text
            case .comparison(let op, let text):
                out += op.rawValue
                out += text
            case .range(let lower, let lowerInclusive, let upper, let upperInclusive):
                out += lowerInclusive ? "[" : "{"
                out += lower ?? "*"
                out += " TO "
                out += upper ?? "*"
                out += upperInclusive ? "]" : "}"
            }
        case .numberRange(let r):
            out += r.field
            out += ":"
            let format = FieldValue.format
            switch (r.lower, r.upper) {
            case (let lower?, let upper?) where lower == upper && r.lowerInclusive && r.upperInclusive:
                out += format(lower)
            case (let lower?, nil):
                out += r.lowerInclusive ? ">=" : ">"
                out += format(lower)
            case (nil, let upper?):
                out += r.upperInclusive ? "<=" : "<"
                out += format(upper)
            case (nil, nil):
                out += "*"
            case (let lower?, let upper?):
                out += r.lowerInclusive ? "[" : "{"
                out += format(lower)
                out += " TO "
                out += format(upper)
                out += r.upperInclusive ? "]" : "}"
            }
        case .exists(let e):
            out += "_exists_:"
            out += e.field
        case .boolean(let b):
            out += "("
            printBoolean(b, into: &out)
            out += ")"
        case .boost(let inner, let factor):
            switch inner {
            case .boost, .matchNone:
                out += "("
                print(inner, into: &out)
                out += ")"
            default:
                printOperand(inner, into: &out)
            }
            out += "^"
            out += formatBoost(factor)
        case .matchAll:
            out += "*:*"
        case .matchNone:
            out += "(\"\")"
        }
    }

    static func printBoolean(_ b: Query.Boolean, into out: inout String) {
        var first = true
        func separator(_ text: String) {
            if first { first = false } else { out += text }
        }
        if b.should.isEmpty {
            // AND chain: must clauses, then NOT clauses. A lone implicit *:* is left out.
            let implicit = b.must == [.matchAll] && !b.mustNot.isEmpty
            if !implicit {
                for clause in b.must {
                    separator(" AND ")
                    printOperand(clause, into: &out)
                }
            }
            for clause in b.mustNot {
                separator(" AND ")
                out += "NOT "
                printOperand(clause, into: &out)
            }
            if first { out += "()" } // an empty boolean (only built by hand)
        } else {
            for clause in b.must {
                separator(" OR ")
                out += "+"
                printOperand(clause, into: &out)
            }
            for clause in b.should {
                separator(" OR ")
                printOperand(clause, into: &out)
            }
            for clause in b.mustNot {
                separator(" OR ")
                out += "-"
                printOperand(clause, into: &out)
            }
        }
    }

    static func printField(_ field: String?, into out: inout String) {
        if let field {
            out += field
            out += ":"
        }
    }

    static func formatBoost(_ value: Double) -> String {
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    static func containsWhitespace(_ text: String) -> Bool {
        text.unicodeScalars.contains { QueryLexing.isWhitespace($0) }
    }

    static func printQuoted(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            // `~` too: unescaped after a word inside quotes it reads as a fuzzy word (an error).
            if scalar == "\"" || scalar == "\\" || scalar == "~" { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        out += "\""
    }

    /// A word with every character that the lexer could read as syntax escaped by `\`.
    static func printEscapedWord(_ text: String, into out: inout String) {
        if text == "AND" || text == "OR" || text == "NOT" {
            out += "\\"
            out += text
            return
        }
        var atStart = true
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "(", ")", "\"", "^", "~", "*", ":", "[", "]", "{", "}", "&", "|":
                out += "\\"
            case "+", "-", "!":
                if atStart { out += "\\" }
            default:
                if QueryLexing.isWhitespace(scalar) { out += "\\" }
            }
            out.unicodeScalars.append(scalar)
            atStart = false
        }
    }
}

extension Query {
    /// The query with `transform` applied to each clause that is neither a boolean nor a boost,
    /// the structure kept: the required and optional clauses of booleans always, their excluded
    /// clauses only with `excluded` (otherwise they stay as they are).
    func mapLeaves(excluded: Bool = false, _ transform: (Query) -> Query) -> Query {
        switch self {
        case .boolean(var b):
            b.must = b.must.map { $0.mapLeaves(excluded: excluded, transform) }
            b.should = b.should.map { $0.mapLeaves(excluded: excluded, transform) }
            if excluded { b.mustNot = b.mustNot.map { $0.mapLeaves(excluded: excluded, transform) } }
            return .boolean(b)
        case .boost(let inner, let factor):
            return .boost(inner.mapLeaves(excluded: excluded, transform), factor)
        default:
            return transform(self)
        }
    }
}
