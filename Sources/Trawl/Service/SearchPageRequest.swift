/// What the web search page (``SearchPage``) was asked for: the parameters of `GET /?q=…`.
///
/// Reading parameters never fails: a page number that is not a number is page 1, an unknown
/// order is relevance, and values that cannot be used (a date that is not a date, a filter on a
/// field the index does not have) are reported on the page and left out of the search.
///
/// | Parameter | Meaning |
/// |---|---|
/// | `q` | the query, read leniently (any typed text works) |
/// | `page` | the page of results, from 1 |
/// | `from`, `to` | the date filter: `2024`, `2024-03` or `2024-03-05`, both ends inclusive |
/// | `sort` | `relevance` (default), `newest` or `oldest` |
/// | any other name | a facet filter: `year=2024`, `tags=energy` (repeatable; all must match) |
public struct SearchPageRequest: Sendable, Equatable {
    /// The order of the results.
    public enum Order: String, Sendable, CaseIterable {
        /// Best match first.
        case relevance
        /// Newest date first.
        case newest
        /// Oldest date first.
        case oldest
    }

    /// One facet filter: documents whose `field` has `value` (`year` filters the date by year).
    public struct Filter: Sendable, Hashable {
        /// The field (a keyword field of the index, or `year`).
        public var field: String
        /// The value, as the facet shows it.
        public var value: String

        /// Creates a filter.
        public init(field: String, value: String) {
            self.field = field
            self.value = value
        }
    }

    /// The query text as typed (empty: the page shows an introduction, or the filtered documents).
    public var query: String = ""
    /// The page, from 1.
    public var page: Int = 1
    /// The start of the date filter as typed (empty: open).
    public var from: String = ""
    /// The end of the date filter as typed (empty: open).
    public var to: String = ""
    /// The order of the results.
    public var sort: Order = .relevance
    /// The facet filters, in the order given.
    public var filters: [Filter] = []

    /// The most characters of a parameter value that are kept (the parser has its own limits).
    public static let maximumValueLength = 2_000
    /// The most facet filters kept.
    public static let maximumFilters = 20
    /// The largest page number (the search skips at most 1,000,000 hits).
    public static let maximumPage = 10_000
    /// The parameter names that are not facet filters.
    static let reservedNames: Set<String> = ["q", "page", "from", "to", "sort"]

    /// A request for the first page of no query.
    public init() {}

    /// A request from decoded parameters (names and values), in the order of the URL.
    public init(parameters: [(name: String, value: String)]) {
        for (name, rawValue) in parameters {
            let value = String(rawValue.prefix(SearchPageRequest.maximumValueLength))
            switch name {
            case "q": query = value
            case "page": page = Int(value.trimmingSpaces).map { max(1, min($0, SearchPageRequest.maximumPage)) } ?? 1
            case "from": from = value.trimmingSpaces
            case "to": to = value.trimmingSpaces
            case "sort": sort = Order(rawValue: value.trimmingSpaces) ?? .relevance
            default:
                let trimmed = value.trimmingSpaces
                guard !name.isEmpty, !trimmed.isEmpty, filters.count < SearchPageRequest.maximumFilters else { continue }
                let filter = Filter(field: String(name.prefix(200)), value: trimmed)
                if !filters.contains(filter) { filters.append(filter) }
            }
        }
    }

    /// A request from a URL's query string (`q=crude+oil&page=2`, without the `?`), decoded as
    /// an HTML form encodes it: `+` is a space, `%XX` a byte; malformed escapes are kept as
    /// written and bytes that are not UTF-8 become U+FFFD.
    public init(queryString: String) {
        self.init(parameters: SearchPageRequest.decode(queryString))
    }

    /// The parameters that reproduce this request, in a fixed order; defaults are left out.
    public var parameters: [(name: String, value: String)] {
        var out: [(String, String)] = []
        if !query.isEmpty { out.append(("q", query)) }
        if !from.isEmpty { out.append(("from", from)) }
        if !to.isEmpty { out.append(("to", to)) }
        if sort != .relevance { out.append(("sort", sort.rawValue)) }
        for filter in filters { out.append((filter.field, filter.value)) }
        if page > 1 { out.append(("page", String(page))) }
        return out
    }

    /// The relative URL of this request: `/?q=crude%20oil&page=2` (`/` without parameters).
    public var url: String {
        let query = parameters.map { SearchPageRequest.encode($0.name) + "=" + SearchPageRequest.encode($0.value) }
        return query.isEmpty ? "/" : "/?" + query.joined(separator: "&")
    }

    /// The parameters of a query string, decoded (see ``init(queryString:)``).
    public static func decode(_ queryString: String) -> [(name: String, value: String)] {
        var out: [(String, String)] = []
        for part in queryString.split(separator: "&", omittingEmptySubsequences: true) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decodeComponent(pair[0])
            let value = pair.count > 1 ? decodeComponent(pair[1]) : ""
            out.append((name, value))
        }
        return out
    }

    /// One form-encoded component decoded (leniently: never an error).
    static func decodeComponent(_ text: Substring) -> String {
        PercentEncoding.decodedLeniently(text)
    }

    /// A component percent-encoded for a query string: every byte but the unreserved
    /// characters of RFC 3986 (`A–Z a–z 0–9 - . _ ~`) as `%XX`.
    public static func encode(_ text: String) -> String {
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
