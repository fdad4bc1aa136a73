/// Builds queries in code, with the same normalization the parser applies, so that a built
/// query prints as syntax that parses back to an equal tree.
///
/// ```swift
/// let query = Query.and {
///     Query.term("sanctions")
///     Query.or([.phrase("russia iran", slop: 2), .prefix("oligarch", field: "title")])
///     Query.not(.term("draft", field: "tags"))
///     Query.date(from: DocumentDate(year: 2024, month: 1, day: 1), to: nil)
/// }
/// print(query)   // sanctions AND ("russia iran"~2 OR title:oligarch*) AND date:[2024-01-01 TO *] AND NOT tags:draft
/// ```
///
/// Words are analyzed when the node is built (by default with the built-in English analyzer;
/// pass the index's analyzer to match it). A word that analyzes to nothing gives
/// ``Query/matchNone``, which ``and(_:)-swift.type.method``, ``or(_:)-swift.type.method``,
/// ``not(_:)`` and ``boolean(must:should:mustNot:)`` drop, as the parser drops such words.
extension Query {
    /// The analyzer builder functions use unless given one: the built-in English analyzer.
    public static let defaultAnalyzer: any QueryAnalyzing = (try? Analyzer(.english)) ?? BasicQueryAnalyzer()

    /// A word: a term, or a phrase when it analyzes to several terms (`well-known`), or
    /// ``matchNone`` when it analyzes to nothing. `field` `nil` searches the default fields.
    public static func term(_ word: String, field: String? = nil, analyzer: any QueryAnalyzing = defaultAnalyzer) -> Query {
        QueryParser.wordQuery(word, field: field, slop: 0, analyzer: analyzer) ?? .matchNone
    }

    /// A phrase: the terms of `text` at their positions, within `slop` moves (`"a b"~2`). A text
    /// with a single term gives a term; one with none gives ``matchNone``.
    public static func phrase(_ text: String, slop: Int = 0, field: String? = nil,
                              analyzer: any QueryAnalyzing = defaultAnalyzer) -> Query {
        QueryParser.wordQuery(text, field: field, slop: max(0, slop), analyzer: analyzer) ?? .matchNone
    }

    /// Terms starting with `text`, folded (not stemmed) by `analyzer`. The builder does not
    /// enforce ``QueryParser/minimumPrefixLength``.
    public static func prefix(_ text: String, field: String? = nil, analyzer: any QueryAnalyzing = defaultAnalyzer) -> Query {
        .prefix(Prefix(field: field, text: text, prefix: analyzer.foldPrefix(text)))
    }

    /// All clauses must match (`a AND b`). Purely negative clauses (from ``not(_:)``) become
    /// exclusions of this node; one clause is returned as is; no clause gives ``matchNone``.
    public static func and(_ clauses: [Query]) -> Query {
        let kept = clauses.filter { $0 != .matchNone }
        if kept.count <= 1 { return kept.first ?? .matchNone }
        var must: [Query] = [], mustNot: [Query] = []
        for clause in kept {
            if case .boolean(let b) = clause, b.must == [.matchAll], b.should.isEmpty, !b.mustNot.isEmpty {
                mustNot.append(contentsOf: b.mustNot)
            } else {
                must.append(clause)
            }
        }
        if must.isEmpty { must = [.matchAll] }
        return .boolean(Boolean(must: must, mustNot: mustNot))
    }

    /// At least one clause must match (`a OR b`); one clause is returned as is; no clause gives
    /// ``matchNone``.
    public static func or(_ clauses: [Query]) -> Query {
        let kept = clauses.filter { $0 != .matchNone }
        if kept.count <= 1 { return kept.first ?? .matchNone }
        return .boolean(Boolean(should: kept))
    }

    /// All clauses built by the closure must match.
    public static func and(@QueryClauseBuilder _ clauses: () -> [Query]) -> Query { and(clauses()) }

    /// At least one clause built by the closure must match.
    public static func or(@QueryClauseBuilder _ clauses: () -> [Query]) -> Query { or(clauses()) }

    /// Every document except those matching `clause` (`NOT clause`): a boolean with
    /// ``matchAll`` as its required clause. `not(.matchNone)` is ``matchNone`` (dropped).
    public static func not(_ clause: Query) -> Query {
        if clause == .matchNone { return .matchNone }
        return .boolean(Boolean(must: [.matchAll], mustNot: [clause]))
    }

    /// A boolean node, normalized like the parser's: ``matchNone`` clauses are dropped, a single
    /// required or optional clause is returned as is, and a node without positive clauses gets
    /// ``matchAll``.
    public static func boolean(must: [Query] = [], should: [Query] = [], mustNot: [Query] = []) -> Query {
        let must = must.filter { $0 != .matchNone }
        let should = should.filter { $0 != .matchNone }
        let mustNot = mustNot.filter { $0 != .matchNone }
        if mustNot.isEmpty {
            if must.isEmpty && should.isEmpty { return .matchNone }
            if must.count == 1 && should.isEmpty { return must[0] }
            if should.count == 1 && must.isEmpty { return should[0] }
        }
        return .boolean(Boolean(must: must.isEmpty && should.isEmpty ? [.matchAll] : must, should: should, mustNot: mustNot))
    }

    /// This query with its score multiplied by `factor` (`query^factor`).
    ///
    /// - Precondition: `factor` is finite and not negative.
    public func boosted(_ factor: Double) -> Query {
        precondition(factor.isFinite && factor >= 0, "a boost must be finite and not negative")
        if self == .matchNone { return self }
        return .boost(self, factor)
    }

    /// Documents dated from `from` through `to`, both inclusive at their precision (a day-
    /// precision date includes the whole day); `nil` leaves that end open. Printed as
    /// `date:[2024-01-01 TO 2024-03-31]`. An empty range (from after to) gives ``matchNone``.
    public static func date(from: DocumentDate?, to: DocumentDate?, field: String = "date") -> Query {
        let lowerText = from?.description
        let upperText = to?.description
        var lower: Int64?, upper: Int64?
        if let lowerText, case .success(let span) = DateMath.span(lowerText, now: 0) { lower = span.first }
        if let upperText, case .success(let span) = DateMath.span(upperText, now: 0) { upper = span.last }
        if let lower, let upper, lower > upper { return .matchNone }
        return .dateRange(DateRange(field: field, lower: lower, upper: upper,
                                    syntax: .range(lower: lowerText, lowerInclusive: true, upper: upperText, upperInclusive: true)))
    }

    /// A date clause written in query syntax without the field: `2024-03`, `>=now-30d/d`,
    /// `[2024-01-01 TO now]`. Columns in errors count from the start of `expression`.
    public static func date(_ expression: String, field: String = "date",
                            now: Int64 = QueryParser.systemNow()) throws(QuerySyntaxError) -> Query {
        let parser = QueryParser(analyzer: BasicQueryAnalyzer(), fields: [], defaultFields: [], dateField: field, now: now)
        let query: Query
        do throws(QuerySyntaxError) {
            query = try parser.parse(field + ":" + expression)
        } catch {
            var shifted = error
            shifted.column = max(1, error.column - field.count - 1)
            throw shifted
        }
        guard case .dateRange = query else {
            throw QuerySyntaxError(kind: .invalidDate, column: 1, text: expression,
                                   message: "`\(expression)` is not a single date clause")
        }
        return query
    }
}

/// Collects the clauses of ``Query/and(_:)-swift.type.method`` and ``Query/or(_:)-swift.type.method``
/// written as statements, with `if`, `if`/`else` and `for` loops.
@resultBuilder
public enum QueryClauseBuilder {
    /// Joins statements.
    public static func buildBlock(_ parts: [Query]...) -> [Query] { parts.flatMap { $0 } }
    /// One query statement.
    public static func buildExpression(_ query: Query) -> [Query] { [query] }
    /// An array of queries as one statement.
    public static func buildExpression(_ queries: [Query]) -> [Query] { queries }
    /// An `if` without `else`.
    public static func buildOptional(_ part: [Query]?) -> [Query] { part ?? [] }
    /// The first branch of an `if`/`else`.
    public static func buildEither(first: [Query]) -> [Query] { first }
    /// The second branch of an `if`/`else`.
    public static func buildEither(second: [Query]) -> [Query] { second }
    /// A `for` loop.
    public static func buildArray(_ parts: [[Query]]) -> [Query] { parts.flatMap { $0 } }
}
