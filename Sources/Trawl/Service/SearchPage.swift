import Foundation

/// The web search page that `trawl serve` answers at `/`, independent of HTTP: from the
/// request's parameters (``SearchPageRequest``) to a complete HTML page and the headers to send
/// with it (``SearchPageResponse``).
///
/// The page is server-rendered and works without JavaScript: a search box whose text is parsed
/// leniently and with typo tolerance (as `trawl search --typos`), so any typed string is a
/// query; results with title, date, path and the highlighted snippet; paging; a date filter;
/// facet counts as filter links (the date by year and a few keyword fields); a "did you mean"
/// link when few documents match. The style sheet and a few lines of progressive script (`/`
/// focuses the search box, changing the order submits the form) are inline, allowed by a
/// per-response nonce in a strict Content-Security-Policy (``contentSecurityPolicy(nonce:)``).
public struct SearchPage: Sendable {
    /// The index searched.
    public let reader: IndexReader
    /// The name shown in the page's title and search box label.
    public let indexName: String
    /// Hits per page (default 10).
    public var pageSize = 10
    /// The values each keyword facet shows (default 8).
    public var facetValueLimit = 8
    /// The most keyword fields counted as facets (default 4), besides the year.
    public var maximumKeywordFacets = 4
    /// How the results rank (the server's ``IndexServiceOptions/ranking``); the library's
    /// default ranking unless set.
    public var ranking = SearchRanking()

    /// A page over `reader`, named `indexName`, ranking with `ranking`.
    public init(reader: IndexReader, indexName: String, ranking: SearchRanking = SearchRanking()) {
        self.reader = reader
        self.indexName = indexName
        self.ranking = ranking
    }

    /// What the page shows for one request: the search that ran (if any) and its results.
    public struct Outcome: Sendable {
        /// The request, with its page clamped.
        public var request: SearchPageRequest
        /// The library request that ran; nil when nothing was searched.
        public var search: SearchRequest?
        /// The results; nil when nothing was searched (an introduction, or an error).
        public var results: SearchResults?
        /// Parameters that could not be used, in words (shown on the page).
        public var notices: [String] = []
        /// Why the search failed (a query over the parser's limits, an unreadable index).
        public var error: String?
        /// The HTTP status the page goes with: 200, 400 for a query over the limits, 500 when
        /// the index cannot be read.
        public var status = 200
        /// Whether the page is the introduction (no query, no filter): results then hold only
        /// the counts over every document.
        public var isIntroduction: Bool { request.query.trimmingSpaces.isEmpty && request.filters.isEmpty
            && request.from.isEmpty && request.to.isEmpty }
    }

    /// The name of the year facet and filter (the `date` field by calendar year), or nil when
    /// the index has a field of that name.
    var yearFacetName: String? { reader.schema["year"] == nil ? "year" : nil }

    /// The keyword fields counted as facets: well-known names first (`tags`, `category`,
    /// `section`, `author`, …), then the others by name, `ext` and `folder` last; never `path`
    /// (one value per document) or reserved fields.
    public var keywordFacetFields: [String] {
        let preferred = ["tags", "tag", "categories", "category", "section", "topics", "topic", "keywords", "author", "authors",
                         "source", "site", "type", "kind", "language", "lang"]
        let last = ["ext", "folder"]
        let keywords = reader.schema.fields(of: .keyword).filter { $0 != "path" && !$0.hasPrefix("_") }
        let ordered = preferred.filter(keywords.contains)
            + keywords.filter { !preferred.contains($0) && !last.contains($0) }
            + last.filter(keywords.contains)
        return Array(ordered.prefix(maximumKeywordFacets))
    }

    /// The facets the page counts: the year (when the name is free) and ``keywordFacetFields``.
    public var facetRequests: [FacetRequest] {
        var facets: [FacetRequest] = []
        if let year = yearFacetName {
            facets.append(FacetRequest(field: IndexSchema.dateField, grouping: .dates(.year), label: year))
        }
        for field in keywordFacetFields {
            facets.append(FacetRequest(field: field, grouping: .values(limit: facetValueLimit), label: field))
        }
        return facets
    }

    /// The date filter's clause: `from` and `to` (`2024`, `2024-03`, `2024-03-05`) as an
    /// inclusive range of the `date` field; nil when both are empty. A value that is not such a
    /// date is reported in `notices` and left open.
    func dateFilter(from: String, to: String, notices: inout [String]) -> Query.DateRange? {
        func bound(_ text: String, name: String) -> DateMath.Span? {
            guard !text.isEmpty else { return nil }
            guard SearchPage.isCalendarDate(text), case .success(let span) = DateMath.span(text, now: 0) else {
                notices.append("The \(name) date “\(text)” is not a date such as 2024-03-05; it is ignored.")
                return nil
            }
            return span
        }
        let lower = bound(from, name: "from")?.first
        let upper = bound(to, name: "to")?.last
        guard lower != nil || upper != nil else { return nil }
        return Query.DateRange(field: IndexSchema.dateField, lower: lower, upper: upper,
                               syntax: .range(lower: lower == nil ? nil : from, lowerInclusive: true,
                                              upper: upper == nil ? nil : to, upperInclusive: true))
    }

    /// Whether `text` is `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (digits and dashes only, so no date
    /// math and no query syntax gets through).
    static func isCalendarDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), parts[0].count == 4 else { return false }
        for (i, part) in parts.enumerated() {
            guard part.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            if i > 0 && !(1...2).contains(part.count) { return false }
        }
        return true
    }

    /// The clause of one facet filter, or nil (with a notice) when the index cannot filter on it.
    func filterClause(_ filter: SearchPageRequest.Filter, notices: inout [String]) -> Query? {
        if filter.field == yearFacetName {
            guard filter.value.count <= 6, Int(filter.value) != nil,
                  case .success(let span) = DateMath.span(filter.value, now: 0) else {
                notices.append("The year “\(filter.value)” is not a year; that filter is ignored.")
                return nil
            }
            return .dateRange(Query.DateRange(field: IndexSchema.dateField, lower: span.first, upper: span.last,
                                              syntax: .value(filter.value)))
        }
        switch reader.schema[filter.field] {
        case .keyword?:
            let clause = Query.term(filter.value, field: filter.field, analyzer: KeywordQueryAnalyzer())
            return clause == .matchNone ? nil : clause
        default:
            notices.append("The index has no keyword field “\(filter.field)” to filter on; that filter is ignored.")
            return nil
        }
    }

    /// Runs the search a request asks for and gathers what the page shows. Never throws: errors
    /// become ``Outcome/error`` and an HTTP status.
    public func outcome(for pageRequest: SearchPageRequest) -> Outcome {
        var outcome = Outcome(request: pageRequest)
        outcome.request.page = max(1, min(pageRequest.page, SearchPageRequest.maximumPage))
        var notices: [String] = []
        let text = pageRequest.query.trimmingSpaces
        var clauses: [Query] = []
        var userQuery: Query?
        if !text.isEmpty {
            var parser = reader.queryParser()
            parser.lenient = true
            do throws(QuerySyntaxError) {
                userQuery = try parser.parse(pageRequest.query)
            } catch {
                outcome.error = "The query cannot be searched: \(error.message)"
                outcome.status = 400
                return outcome
            }
        }
        if let range = dateFilter(from: pageRequest.from, to: pageRequest.to, notices: &notices) {
            if let lower = range.lower, let upper = range.upper, lower > upper {
                notices.append("The date filter is empty: “from” is after “to”.")
            }
            clauses.append(.dateRange(range))
        }
        for filter in pageRequest.filters {
            if let clause = filterClause(filter, notices: &notices) { clauses.append(clause) }
        }
        outcome.notices = notices
        if userQuery == .matchNone {
            // Only punctuation or operators: no word to search for.
            outcome.notices.append("The query has no words to search for.")
            outcome.results = SearchResults(total: 0, totalRelation: .equalTo, hits: [], tookMicroseconds: 0)
            return outcome
        }
        let root = userQuery ?? .matchAll
        let query = clauses.isEmpty ? root : .boolean(Query.Boolean(must: [root] + clauses))
        var request = SearchRequest(query: query, limit: pageSize, offset: (outcome.request.page - 1) * pageSize)
        request.ranking = ranking
        switch pageRequest.sort {
        case .relevance: request.sort = userQuery == nil ? .dateDescending : .relevance
        case .newest: request.sort = .dateDescending
        case .oldest: request.sort = .dateAscending
        }
        request.facets = facetRequests
        if userQuery != nil {
            request.typoTolerance = TypoTolerance()
            request.suggestionText = pageRequest.query
        }
        if outcome.isIntroduction {
            request.limit = 0
            request.offset = 0
        }
        outcome.search = request
        do throws(SearchError) {
            outcome.results = try reader.search(request)
        } catch {
            switch error {
            case .query(let syntax):
                outcome.error = "The query cannot be searched: \(syntax.message)"
                outcome.status = 400
            case .invalidRequest(let message):
                outcome.error = "The search cannot run: \(message)"
                outcome.status = 400
            case .index(let failure):
                outcome.error = "The index cannot be read: \(failure.message)"
                outcome.status = 500
            }
        }
        return outcome
    }

    /// The complete page for a request, with `nonce` on its inline style and script (the
    /// nonce of ``contentSecurityPolicy(nonce:)``).
    public func render(_ request: SearchPageRequest, nonce: String) -> String {
        render(outcome(for: request), nonce: nonce)
    }

    /// The response to a request: the page, its status and headers, with a fresh nonce.
    public func response(for request: SearchPageRequest) -> SearchPageResponse {
        let nonce = SearchPage.makeNonce()
        let outcome = outcome(for: request)
        return SearchPageResponse(status: outcome.status, body: render(outcome, nonce: nonce),
                                  headers: SearchPage.headers(nonce: nonce))
    }

    /// The Content-Security-Policy of a page rendered with `nonce`: nothing may load or run but
    /// the page's own inline style and script (by the nonce); forms submit only to the server;
    /// the page may not be framed.
    public static func contentSecurityPolicy(nonce: String) -> String {
        "default-src 'none'; style-src 'nonce-\(nonce)'; script-src 'nonce-\(nonce)'; img-src data:; "
            + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    }

    /// The headers of a page rendered with `nonce`: its type, the CSP, `nosniff`, no referrer
    /// (queries are in URLs) and no caching of results.
    public static func headers(nonce: String) -> [(name: String, value: String)] {
        [("Content-Type", "text/html; charset=utf-8"),
         ("Content-Security-Policy", contentSecurityPolicy(nonce: nonce)),
         ("X-Content-Type-Options", "nosniff"),
         ("Referrer-Policy", "no-referrer"),
         ("Cache-Control", "no-store")]
    }

    /// 18 random bytes in base64 (24 characters, no padding): a CSP nonce.
    public static func makeNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<18).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
    }

    /// Whether an `Accept` header prefers HTML to JSON: `text/html` (or XHTML) is listed with a
    /// weight above zero and at least that of `application/json`. Browsers send such headers;
    /// `*/*`, a missing header and JSON clients get JSON.
    public static func prefersHTML(accept: String?) -> Bool {
        guard let accept else { return false }
        var html: Double = 0
        var json: Double = 0
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let type = parts.first else { continue }
            var weight = 1.0
            for parameter in parts.dropFirst() where parameter.hasPrefix("q=") {
                weight = Double(parameter.dropFirst(2)).map { max(0, min($0, 1)) } ?? 0
            }
            switch type {
            case "text/html", "application/xhtml+xml": html = max(html, weight)
            case "application/json": json = max(json, weight)
            default: break
            }
        }
        return html > 0 && html >= json
    }
}

/// A rendered page and what to send with it.
public struct SearchPageResponse: Sendable {
    /// The HTTP status (see ``SearchPage/Outcome/status``).
    public var status: Int
    /// The HTML page.
    public var body: String
    /// The headers: content type, Content-Security-Policy, `X-Content-Type-Options: nosniff`, …
    public var headers: [(name: String, value: String)]
}
