/// `_source` filtering: which top-level members of a document's source a hit shows.
struct OpenSearchSource: Sendable, Equatable {
    /// Whether the source is shown at all (`"_source": false` hides it).
    var enabled = true
    /// Patterns a member must match (empty: every member).
    var includes: [String] = []
    /// Patterns that hide a member.
    var excludes: [String] = []

    /// Whether `name` matches a pattern with `*` (any run) and `?` (one character).
    static func matches(_ name: String, pattern: String) -> Bool {
        let n = Array(name.unicodeScalars), p = Array(pattern.unicodeScalars)
        var i = 0, j = 0, star = -1, mark = 0
        while i < n.count {
            if j < p.count && (p[j] == "?" || p[j] == n[i]) {
                i += 1
                j += 1
            } else if j < p.count && p[j] == "*" {
                star = j
                mark = i
                j += 1
            } else if star >= 0 {
                j = star + 1
                mark += 1
                i = mark
            } else {
                return false
            }
        }
        while j < p.count && p[j] == "*" { j += 1 }
        return j == p.count
    }

    /// Whether a member named `name` is shown.
    func shows(_ name: String) -> Bool {
        guard enabled else { return false }
        if !includes.isEmpty && !includes.contains(where: { Self.matches(name, pattern: $0) }) { return false }
        return !excludes.contains { Self.matches(name, pattern: $0) }
    }

    /// The filtered source.
    func filter(_ source: JSON) -> JSON {
        guard let members = source.objectMembers else { return source }
        return .object(members.filter { shows($0.0) })
    }

    /// Reads `_source` from a body: `true`, `false`, a pattern, a list, or `{includes, excludes}`.
    static func parse(_ json: JSON) throws(OpenSearchError) -> OpenSearchSource {
        func patterns(_ value: JSON) throws(OpenSearchError) -> [String] {
            if let s = value.stringValue { return [s] }
            guard let list = value.arrayElements else { throw OpenSearchQueryTranslator.parsing("[_source] patterns must be strings") }
            var out: [String] = []
            for item in list {
                guard let s = item.stringValue else { throw OpenSearchQueryTranslator.parsing("[_source] patterns must be strings") }
                out.append(s)
            }
            return out
        }
        switch json {
        case .bool(let b): return OpenSearchSource(enabled: b)
        case .string, .array: return OpenSearchSource(includes: try patterns(json))
        case .object(let members):
            var source = OpenSearchSource()
            for (key, value) in members {
                switch key {
                case "includes", "include": source.includes = try patterns(value)
                case "excludes", "exclude": source.excludes = try patterns(value)
                default: throw OpenSearchQueryTranslator.parsing("[_source] does not support [\(key)]")
                }
            }
            return source
        default:
            throw OpenSearchQueryTranslator.parsing("[_source] must be a boolean, a string, an array or an object, not a \(json.kindName)")
        }
    }

    /// Reads the URL form: `true`, `false` or a comma-separated list of patterns.
    static func parse(parameter: String) -> OpenSearchSource {
        switch parameter {
        case "true", "": return OpenSearchSource()
        case "false": return OpenSearchSource(enabled: false)
        default: return OpenSearchSource(includes: parameter.split(separator: ",").map { String($0).trimmingSpaces })
        }
    }
}

/// How many hits a search counts exactly (`track_total_hits`).
enum OpenSearchTotalTracking: Equatable {
    /// `true`: every match.
    case exact
    /// `false`: no total in the response.
    case none
    /// `N`: exactly up to N, then a lower bound.
    case upTo(Int)
}

/// A highlight request: the fields and how fragments are marked.
struct OpenSearchHighlight {
    struct Field {
        var name: String
        var preTag: String
        var postTag: String
        var fragmentSize: Int
        var fragments: Int
    }

    var fields: [Field] = []
    var escapesHTML = false

    static func parse(_ json: JSON, textFields: [String]) throws(OpenSearchError) -> OpenSearchHighlight {
        guard let members = json.objectMembers else { throw OpenSearchQueryTranslator.parsing("[highlight] must be an object") }
        var defaults = Field(name: "", preTag: "<em>", postTag: "</em>", fragmentSize: 100, fragments: 5)
        var highlight = OpenSearchHighlight()
        func apply(_ key: String, _ value: JSON, to field: inout Field) throws(OpenSearchError) -> Bool {
            switch key {
            case "pre_tags", "post_tags":
                guard let tags = value.arrayElements, let first = tags.first?.stringValue else {
                    throw OpenSearchQueryTranslator.parsing("[highlight] [\(key)] must be an array of strings")
                }
                if key == "pre_tags" { field.preTag = first } else { field.postTag = first }
            case "fragment_size":
                guard let n = value.intValue, n >= 0 else { throw OpenSearchQueryTranslator.parsing("[highlight] [fragment_size] must be a whole number") }
                field.fragmentSize = n
            case "number_of_fragments":
                guard let n = value.intValue, n >= 0 else { throw OpenSearchQueryTranslator.parsing("[highlight] [number_of_fragments] must be a whole number") }
                field.fragments = n
            case "type", "require_field_match", "fragmenter", "order", "no_match_size", "boundary_scanner", "tags_schema",
                 "max_analyzed_offset", "boundary_chars", "boundary_max_scan", "phrase_limit", "highlight_query", "force_source":
                if key == "tags_schema" || key == "highlight_query" || (key == "no_match_size" && value.intValue != 0) {
                    throw OpenSearchQueryTranslator.parsing("[highlight] [\(key)] is not supported")
                }
            default:
                return false
            }
            return true
        }
        var fieldSpecs: [(String, JSON)] = []
        for (key, value) in members {
            switch key {
            case "fields":
                if let object = value.objectMembers {
                    fieldSpecs += object
                } else if let list = value.arrayElements {
                    for item in list {
                        guard let object = item.objectMembers else { throw OpenSearchQueryTranslator.parsing("[highlight] [fields] entries must be objects") }
                        fieldSpecs += object
                    }
                } else {
                    throw OpenSearchQueryTranslator.parsing("[highlight] [fields] must be an object or an array")
                }
            case "encoder":
                guard let s = value.stringValue, s == "default" || s == "html" else {
                    throw OpenSearchQueryTranslator.parsing("[highlight] [encoder] must be default or html")
                }
                highlight.escapesHTML = s == "html"
            default:
                if try !apply(key, value, to: &defaults) { throw OpenSearchQueryTranslator.parsing("[highlight] does not support [\(key)]") }
            }
        }
        for (name, options) in fieldSpecs {
            guard let object = options.objectMembers else { throw OpenSearchQueryTranslator.parsing("[highlight] field [\(name)] needs an object") }
            var field = defaults
            for (key, value) in object {
                if try !apply(key, value, to: &field) { throw OpenSearchQueryTranslator.parsing("[highlight] field [\(name)] does not support [\(key)]") }
            }
            for match in textFields where OpenSearchSource.matches(match, pattern: name) && !highlight.fields.contains(where: { $0.name == match }) {
                field.name = match
                highlight.fields.append(field)
            }
        }
        return highlight
    }
}

/// One aggregation asked for and how its facet maps back to OpenSearch's shape.
struct OpenSearchAggregation {
    enum Kind {
        case terms(isBool: Bool)
        /// Buckets from `start` (days since the epoch) to the next start.
        case dateHistogram(interval: DateBucketing, format: String?, minimumCount: Int)
        case range(keys: [String?], bounds: [(Double?, Double?)], scale: Double)
    }

    /// How date histogram buckets are cut, on days since the epoch.
    enum DateBucketing: Equatable {
        case year, quarter, month, week, day
        case days(Int)

        /// The first day of the bucket `day` falls in.
        func start(_ day: Int) -> Int {
            let (y, m, _) = CivilCalendar.civilDate(daysSinceEpoch: day)
            switch self {
            case .year: return CivilCalendar.daysSinceEpoch(year: y, month: 1, day: 1) ?? day
            case .quarter: return CivilCalendar.daysSinceEpoch(year: y, month: (m - 1) / 3 * 3 + 1, day: 1) ?? day
            case .month: return CivilCalendar.daysSinceEpoch(year: y, month: m, day: 1) ?? day
            case .week: return day - ((day % 7 + 7 + 3) % 7) // weeks start on Monday; 1970-01-01 was a Thursday
            case .day: return day
            case .days(let n): return Int(DateMath.floorDiv(Int64(day), Int64(n))) * n
            }
        }

        /// The first day of the next bucket after the one starting at `start`.
        func next(_ start: Int) -> Int {
            let (y, m, _) = CivilCalendar.civilDate(daysSinceEpoch: start)
            func month(_ add: Int) -> Int {
                let total = y * 12 + (m - 1) + add
                return CivilCalendar.daysSinceEpoch(year: Int(DateMath.floorDiv(Int64(total), 12)), month: total - Int(DateMath.floorDiv(Int64(total), 12)) * 12 + 1, day: 1) ?? start + 1
            }
            switch self {
            case .year: return month(12)
            case .quarter: return month(3)
            case .month: return month(1)
            case .week: return start + 7
            case .day: return start + 1
            case .days(let n): return start + n
            }
        }
    }

    var name: String
    var field: String
    var kind: Kind
    /// The facet counted for it (nil for a field the index does not know: empty buckets).
    var facet: FacetRequest?

    static let maximumBuckets = 10_000

    static func parse(_ json: JSON, reader: IndexReader) throws(OpenSearchError) -> [OpenSearchAggregation] {
        guard let members = json.objectMembers else { throw OpenSearchQueryTranslator.parsing("[aggs] must be an object") }
        var out: [OpenSearchAggregation] = []
        for (name, spec) in members {
            guard let specMembers = spec.objectMembers else { throw OpenSearchQueryTranslator.parsing("[aggs] [\(name)] must be an object") }
            var typed: (String, JSON)?
            for (key, value) in specMembers {
                switch key {
                case "aggs", "aggregations":
                    throw OpenSearchQueryTranslator.parsing("[aggs] [\(name)]: sub-aggregations are not supported")
                case "meta": break
                default:
                    guard typed == nil else { throw OpenSearchQueryTranslator.parsing("[aggs] [\(name)] has more than one type: [\(typed!.0)] and [\(key)]") }
                    typed = (key, value)
                }
            }
            guard let (type, body) = typed else { throw OpenSearchQueryTranslator.parsing("[aggs] [\(name)] is missing its type") }
            guard !out.contains(where: { $0.name == name }) else { throw OpenSearchQueryTranslator.parsing("[aggs] two aggregations are named [\(name)]") }
            out.append(try parse(name: name, type: type, body: body, schema: reader.schema))
        }
        return out
    }

    private static func parse(name: String, type: String, body: JSON, schema: FieldSchema) throws(OpenSearchError) -> OpenSearchAggregation {
        func fail(_ reason: String) -> OpenSearchError { OpenSearchQueryTranslator.parsing("[\(type)] aggregation [\(name)]: \(reason)") }
        guard let members = body.objectMembers else { throw fail("must be an object") }
        guard let field = body["field"]?.stringValue else { throw fail("requires a [field]") }
        let fieldType: FieldType? = field == IndexSchema.dateField ? .date : schema[field]
        switch type {
        case "terms":
            var size = 10
            for (key, value) in members {
                switch key {
                case "field", "shard_size", "show_term_doc_count_error", "execution_hint", "collect_mode": break
                case "size":
                    guard let n = value.intValue, n > 0, n <= maximumBuckets else { throw fail("[size] must be 1 to \(maximumBuckets)") }
                    size = n
                case "min_doc_count":
                    guard value.intValue == 1 else { throw fail("[min_doc_count] other than 1 is not supported") }
                case "order":
                    guard value == .object([("_count", .string("desc"))]) else { throw fail("[order] other than {\"_count\": \"desc\"} is not supported") }
                default: throw fail("[\(key)] is not supported")
                }
            }
            guard let fieldType else { return OpenSearchAggregation(name: name, field: field, kind: .terms(isBool: false), facet: nil) }
            guard fieldType == .keyword || fieldType == .bool else {
                throw OpenSearchQueryTranslator.illegal("[terms] aggregation [\(name)]: the \(fieldType) field [\(field)] cannot be counted: terms count keyword and boolean fields")
            }
            return OpenSearchAggregation(name: name, field: field, kind: .terms(isBool: fieldType == .bool),
                                         facet: FacetRequest(field: field, grouping: .values(limit: size), label: name))
        case "date_histogram":
            var bucketing: DateBucketing?
            var format: String?
            var minimumCount = 0
            for (key, value) in members {
                switch key {
                case "field": break
                case "calendar_interval", "interval":
                    guard let s = value.stringValue else { throw fail("[\(key)] must be a string") }
                    switch s {
                    case "year", "1y": bucketing = .year
                    case "quarter", "1q": bucketing = .quarter
                    case "month", "1M": bucketing = .month
                    case "week", "1w": bucketing = .week
                    case "day", "1d": bucketing = .day
                    default:
                        if key == "interval", let days = fixedDays(s) { bucketing = .days(days); break }
                        throw fail("[\(key)] [\(s)] is not supported (year, quarter, month, week, day)")
                    }
                case "fixed_interval":
                    guard let s = value.stringValue, let days = fixedDays(s) else {
                        throw fail("[fixed_interval] \(value.rendered()) is not supported: Trawl buckets whole days (1d, 7d, 24h, …)")
                    }
                    bucketing = .days(days)
                case "format":
                    guard let s = value.stringValue else { throw fail("[format] must be a string") }
                    format = s
                case "min_doc_count":
                    guard let n = value.intValue, n >= 0 else { throw fail("[min_doc_count] must be a whole number") }
                    minimumCount = n
                case "time_zone":
                    guard let s = value.stringValue, ["UTC", "Z", "+00:00", "Etc/UTC", "GMT"].contains(s) else { throw fail("[time_zone] other than UTC is not supported") }
                case "keyed":
                    guard value.boolValue == false else { throw fail("[keyed] true is not supported") }
                default: throw fail("[\(key)] is not supported")
                }
            }
            guard let bucketing else { throw fail("requires a [calendar_interval] or a [fixed_interval]") }
            guard let fieldType else {
                return OpenSearchAggregation(name: name, field: field, kind: .dateHistogram(interval: bucketing, format: format, minimumCount: minimumCount), facet: nil)
            }
            guard fieldType == .date else { throw OpenSearchQueryTranslator.illegal("[date_histogram] aggregation [\(name)]: [\(field)] is a \(fieldType) field, not a date field") }
            return OpenSearchAggregation(name: name, field: field, kind: .dateHistogram(interval: bucketing, format: format, minimumCount: minimumCount),
                                         facet: FacetRequest(field: field, grouping: .dates(.day), label: name))
        case "range":
            var keys: [String?] = []
            var bounds: [(Double?, Double?)] = []
            for (key, value) in members {
                switch key {
                case "field": break
                case "keyed":
                    guard value.boolValue == false else { throw fail("[keyed] true is not supported") }
                case "ranges":
                    guard let list = value.arrayElements, !list.isEmpty else { throw fail("[ranges] must be a non-empty array") }
                    for item in list {
                        guard let range = item.objectMembers else { throw fail("every range must be an object") }
                        var key: String?, from: Double?, to: Double?
                        for (k, v) in range {
                            switch k {
                            case "key": key = v.stringValue
                            case "from", "to":
                                if v == .null { continue }
                                guard let d = v.doubleValue ?? v.stringValue.flatMap({ Double($0) }), d.isFinite else { throw fail("[\(k)] must be a number") }
                                if k == "from" { from = d } else { to = d }
                            default: throw fail("a range does not support [\(k)]")
                            }
                        }
                        keys.append(key)
                        bounds.append((from, to))
                    }
                default: throw fail("[\(key)] is not supported")
                }
            }
            guard !bounds.isEmpty else { throw fail("requires [ranges]") }
            // Date fields count in seconds; OpenSearch writes their bounds in milliseconds.
            let scale = fieldType == .date ? 1000.0 : 1.0
            let kind = Kind.range(keys: keys, bounds: bounds, scale: scale)
            guard let fieldType else { return OpenSearchAggregation(name: name, field: field, kind: kind, facet: nil) }
            guard fieldType == .number || fieldType == .date else {
                throw OpenSearchQueryTranslator.illegal("[range] aggregation [\(name)]: [\(field)] is a \(fieldType) field: ranges count number and date fields")
            }
            let buckets = bounds.map { FacetRequest.NumberBucket(from: $0.0.map { $0 / scale }, to: $0.1.map { $0 / scale }) }
            return OpenSearchAggregation(name: name, field: field, kind: kind, facet: FacetRequest(field: field, grouping: .ranges(buckets), label: name))
        default:
            throw OpenSearchQueryTranslator.parsing("unknown aggregation type [\(type)] (Trawl supports terms, date_histogram, range)")
        }
    }

    /// Whole days of a fixed interval (`7d`, `24h`, `1440m`), nil when not whole days.
    static func fixedDays(_ text: String) -> Int? {
        guard let unit = text.last, let n = Int(text.dropLast()), n > 0 else { return nil }
        let seconds: Int
        switch unit {
        case "d": seconds = n * 86_400
        case "h": seconds = n * 3_600
        case "m": seconds = n * 60
        case "s": seconds = n
        default: return nil
        }
        guard seconds % 86_400 == 0, seconds / 86_400 <= 100_000 else { return nil }
        return seconds / 86_400
    }

    /// The response object of this aggregation from its facet's counts.
    func json(_ result: FacetResult?) throws(OpenSearchError) -> JSON {
        switch kind {
        case .terms(let isBool):
            let buckets: [JSON] = (result?.buckets ?? []).map { bucket in
                if isBool {
                    let value = bucket.value.lowercased() == "true"
                    return .object([("key", .int(value ? 1 : 0)), ("key_as_string", .string(value ? "true" : "false")), ("doc_count", .int(bucket.count))])
                }
                return .object([("key", .string(bucket.value)), ("doc_count", .int(bucket.count))])
            }
            return .object([("doc_count_error_upper_bound", .int(0)), ("sum_other_doc_count", .int(result?.otherCount ?? 0)),
                            ("buckets", .array(buckets))])
        case .dateHistogram(let interval, let format, let minimumCount):
            var counts: [Int: Int] = [:]
            for bucket in result?.buckets ?? [] {
                let parts = bucket.value.split(separator: "-", omittingEmptySubsequences: false)
                // Labels are yyyy-mm-dd, with a leading '-' for years before 0.
                let negative = bucket.value.hasPrefix("-")
                let fields = negative ? Array(parts.dropFirst()) : Array(parts)
                guard fields.count == 3, let y = Int(fields[0]), let m = Int(fields[1]), let d = Int(fields[2]),
                      let day = CivilCalendar.daysSinceEpoch(year: negative ? -y : y, month: m, day: d) else { continue }
                counts[interval.start(day), default: 0] += bucket.count
            }
            var buckets: [JSON] = []
            if let first = counts.keys.min(), let last = counts.keys.max() {
                var start = first
                while start <= last {
                    let count = counts[start] ?? 0
                    if count >= minimumCount {
                        guard buckets.count < Self.maximumBuckets else {
                            throw OpenSearchError(status: 400, type: "too_many_buckets_exception",
                                                  reason: "[date_histogram] aggregation [\(name)] would create more than \(Self.maximumBuckets) buckets")
                        }
                        let millis = Int64(start) * 86_400_000
                        buckets.append(.object([("key_as_string", .string(Self.format(seconds: Int64(start) * 86_400, format))),
                                                ("key", .int(Int(millis))), ("doc_count", .int(count))]))
                    }
                    let next = interval.next(start)
                    guard next > start else { break }
                    start = next
                }
            }
            return .object([("buckets", .array(buckets))])
        case .range(let keys, let bounds, _):
            var buckets: [JSON] = []
            for (i, bound) in bounds.enumerated() {
                let count = result.map { i < $0.buckets.count ? $0.buckets[i].count : 0 } ?? 0
                let label = keys[i] ?? ((bound.0.map { String($0) } ?? "*") + "-" + (bound.1.map { String($0) } ?? "*"))
                var members: [(String, JSON)] = [("key", .string(label))]
                if let from = bound.0 { members.append(("from", .double(from))) }
                if let to = bound.1 { members.append(("to", .double(to))) }
                members.append(("doc_count", .int(count)))
                buckets.append(.object(members))
            }
            return .object([("buckets", .array(buckets))])
        }
    }

    /// A bucket start as text: ISO 8601 with milliseconds by default, or a Java-style pattern
    /// of `yyyy`, `MM`, `dd`, `HH`, `mm`, `ss`, `SSS` and quoted literals.
    static func format(seconds: Int64, _ pattern: String?) -> String {
        let days = Int(DateMath.floorDiv(seconds, 86_400))
        let (y, m, d) = CivilCalendar.civilDate(daysSinceEpoch: days)
        let rest = Int(seconds - Int64(days) * 86_400)
        func pad(_ v: Int, _ w: Int) -> String { let s = String(abs(v)); return (v < 0 ? "-" : "") + String(repeating: "0", count: max(0, w - s.count)) + s }
        guard let pattern, pattern != "strict_date_optional_time", pattern != "date_optional_time" else {
            return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rest / 3600, 2)):\(pad(rest / 60 % 60, 2)):\(pad(rest % 60, 2)).000Z"
        }
        if pattern == "epoch_millis" { return String(seconds * 1000) }
        if pattern == "epoch_second" { return String(seconds) }
        var out = ""
        let chars = Array(pattern)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "'" {
                i += 1
                while i < chars.count && chars[i] != "'" { out.append(chars[i]); i += 1 }
                i += 1
                continue
            }
            var run = 1
            while i + run < chars.count && chars[i + run] == c { run += 1 }
            switch c {
            case "y", "u": out += run == 2 ? pad(y % 100, 2) : pad(y, max(4, run))
            case "M": out += pad(m, run)
            case "d": out += pad(d, run)
            case "H": out += pad(rest / 3600, run)
            case "m": out += pad(rest / 60 % 60, run)
            case "s": out += pad(rest % 60, run)
            case "S": out += String(repeating: "0", count: run)
            default: out += String(repeating: c, count: run)
            }
            i += run
        }
        return out
    }
}

/// A sort key of a search: `_score` or a field, with its order.
struct OpenSearchSortKey: Equatable {
    var field: String
    var descending: Bool
    /// Whether the key names an `unmapped_type`: a field the index does not know then sorts
    /// nothing (every value missing) instead of failing.
    var allowsUnmapped = false
}

extension OpenSearchIndex {
    /// URL parameters that change nothing Trawl does (accepted and ignored).
    static let ignoredParameters: Set<String> = [
        "pretty", "human", "error_trace", "filter_path", "timeout", "request_cache", "preference", "routing",
        "search_type", "allow_no_indices", "ignore_unavailable", "expand_wildcards", "typed_keys", "analyze_wildcard",
        "allow_partial_search_results", "batched_reduce_size", "ccs_minimize_roundtrips", "max_concurrent_shard_requests",
        "pre_filter_shard_size", "lenient", "cancel_after_time_interval", "source", "format",
    ]

    /// Everything one `_search` or `_count` asks for.
    struct ParsedSearch {
        var query: Query = .matchAll
        var from = 0
        var size = 10
        var sort: [OpenSearchSortKey] = []
        var tracking: OpenSearchTotalTracking = .upTo(10_000)
        var source = OpenSearchSource()
        var highlight: OpenSearchHighlight?
        var aggregations: [OpenSearchAggregation] = []
        var trackScores = false
        var totalAsInteger = false
    }

    /// The result window OpenSearch allows by default (`index.max_result_window`).
    static let maximumResultWindow = 10_000

    /// Reads the body and URL parameters of a `_search` (or, with `counting`, a `_count`).
    func parse(body: JSON?, parameters: [String: String], counting: Bool) throws(OpenSearchError) -> ParsedSearch {
        var parsed = ParsedSearch()
        let parser = reader.queryParser()
        var translator = OpenSearchQueryTranslator(parser: parser, schema: reader.schema)
        let endpoint = counting ? "_count" : "_search"
        if let body, body != .null {
            guard let members = body.objectMembers else {
                throw OpenSearchQueryTranslator.parsing("the request body must be an object, not a \(body.kindName)")
            }
            for (key, value) in members {
                switch key {
                case "query":
                    parsed.query = try translator.query(value)
                case "from" where !counting:
                    guard let n = value.intValue, n >= 0 else { throw OpenSearchQueryTranslator.illegal("[from] must be a whole number ≥ 0, not \(value.rendered())") }
                    parsed.from = n
                case "size" where !counting:
                    guard let n = value.intValue, n >= 0 else { throw OpenSearchQueryTranslator.illegal("[size] must be a whole number ≥ 0, not \(value.rendered())") }
                    parsed.size = n
                case "sort" where !counting:
                    parsed.sort = try Self.sortKeys(value)
                case "track_total_hits" where !counting:
                    parsed.tracking = try Self.tracking(value)
                case "_source" where !counting:
                    parsed.source = try OpenSearchSource.parse(value)
                case "highlight" where !counting:
                    parsed.highlight = try OpenSearchHighlight.parse(value, textFields: textFields)
                case "aggs" where !counting, "aggregations" where !counting:
                    parsed.aggregations = try OpenSearchAggregation.parse(value, reader: reader)
                case "track_scores" where !counting:
                    parsed.trackScores = value.boolValue ?? false
                case "timeout":
                    break
                case "terminate_after" where value == .int(0):
                    break
                case "explain", "version", "seq_no_primary_term", "profile":
                    guard value.boolValue != true else {
                        throw OpenSearchQueryTranslator.parsing("[\(key)] true is not supported by Trawl's \(endpoint)")
                    }
                default:
                    throw OpenSearchQueryTranslator.parsing("[\(key)] is not supported by Trawl's \(endpoint)")
                }
            }
        }
        for (key, value) in parameters.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "q":
                var qs: [(String, JSON)] = [("query", .string(value))]
                if let df = parameters["df"] { qs.append(("default_field", .string(df))) }
                if let op = parameters["default_operator"] { qs.append(("default_operator", .string(op))) }
                if parameters["lenient"] == "true" { qs.append(("lenient", .bool(true))) }
                parsed.query = try translator.query(.object([("query_string", .object(qs))]))
            case "df", "default_operator":
                break // read with `q`; without it they change nothing
            case "from" where !counting, "size" where !counting:
                guard let n = Int(value), n >= 0 else { throw OpenSearchQueryTranslator.illegal("[\(key)] must be a whole number ≥ 0, not [\(value)]") }
                if key == "from" { parsed.from = n } else { parsed.size = n }
            case "sort" where !counting:
                var keys: [JSON] = []
                for part in value.split(separator: ",") {
                    let pieces = part.split(separator: ":")
                    if pieces.count == 2 {
                        keys.append(.object([(String(pieces[0]), .string(String(pieces[1])))]))
                    } else {
                        keys.append(.string(String(part)))
                    }
                }
                parsed.sort = try Self.sortKeys(.array(keys))
            case "track_total_hits" where !counting:
                if let n = Int(value) { parsed.tracking = try Self.tracking(.int(n)) } else if value == "true" || value == "false" {
                    parsed.tracking = value == "true" ? .exact : OpenSearchTotalTracking.none
                } else {
                    throw OpenSearchQueryTranslator.illegal("[track_total_hits] must be true, false or a number, not [\(value)]")
                }
            case "_source" where !counting:
                parsed.source = OpenSearchSource.parse(parameter: value)
            case "_source_includes" where !counting, "_source_include" where !counting:
                parsed.source.includes = value.split(separator: ",").map(String.init)
            case "_source_excludes" where !counting, "_source_exclude" where !counting:
                parsed.source.excludes = value.split(separator: ",").map(String.init)
            case "track_scores" where !counting:
                parsed.trackScores = value == "true"
            case "rest_total_hits_as_int" where !counting:
                parsed.totalAsInteger = value == "true"
            case "terminate_after" where value == "0":
                break
            default:
                guard Self.ignoredParameters.contains(key) else {
                    throw OpenSearchQueryTranslator.illegal("request [/\(name)/\(endpoint)] contains unrecognized parameter: [\(key)]")
                }
            }
        }
        if parsed.from + parsed.size > Self.maximumResultWindow {
            throw OpenSearchQueryTranslator.illegal("Result window is too large, from + size must be less than or equal to: [\(Self.maximumResultWindow)] but was [\(parsed.from + parsed.size)]")
        }
        return parsed
    }

    /// The text fields of the index (highlighting candidates).
    var textFields: [String] {
        reader.fieldNames.filter { name in
            name == IndexSchema.titleField || name == IndexSchema.bodyField || reader.schema[name] == .text
        }
    }

    static func tracking(_ value: JSON) throws(OpenSearchError) -> OpenSearchTotalTracking {
        if let b = value.boolValue { return b ? .exact : OpenSearchTotalTracking.none }
        if let n = value.intValue, n >= 0 { return n >= Int(Int32.max) ? .exact : .upTo(n) }
        throw OpenSearchQueryTranslator.illegal("[track_total_hits] must be true, false or a whole number ≥ 0, not \(value.rendered())")
    }

    /// Reads `sort`: a key, or an array of `"field"`, `{"field": "asc"}` and
    /// `{"field": {"order": "desc"}}`.
    static func sortKeys(_ value: JSON) throws(OpenSearchError) -> [OpenSearchSortKey] {
        let entries = value.arrayElements ?? [value]
        var keys: [OpenSearchSortKey] = []
        for entry in entries {
            var field: String
            var order: String?
            var allowsUnmapped = false
            switch entry {
            case .string(let s):
                field = s
            case .object(let members):
                guard members.count == 1, let (name, spec) = members.first else {
                    throw OpenSearchQueryTranslator.parsing("[sort] every key must be an object with one field")
                }
                field = name
                if let s = spec.stringValue {
                    order = s
                } else if let options = spec.objectMembers {
                    for (k, v) in options {
                        switch k {
                        case "order": order = v.stringValue
                        case "unmapped_type": allowsUnmapped = true
                        case "format", "numeric_type": break
                        case "missing":
                            guard v.stringValue == "_last" else { throw OpenSearchQueryTranslator.parsing("[sort] [missing] other than _last is not supported") }
                        case "mode":
                            guard ["min", "max"].contains(v.stringValue ?? "") else { throw OpenSearchQueryTranslator.parsing("[sort] [mode] other than min or max is not supported") }
                        default:
                            throw OpenSearchQueryTranslator.parsing("[sort] option [\(k)] is not supported")
                        }
                    }
                } else {
                    throw OpenSearchQueryTranslator.parsing("[sort] the order of [\(name)] must be a string or an object")
                }
            default:
                throw OpenSearchQueryTranslator.parsing("[sort] keys must be strings or objects, not a \(entry.kindName)")
            }
            if let order, order != "asc" && order != "desc" {
                throw OpenSearchQueryTranslator.parsing("[sort] order must be asc or desc, not [\(order)]")
            }
            if field == "_doc" { throw OpenSearchQueryTranslator.parsing("[sort] by [_doc] is not supported (Trawl has no index order)") }
            let descending = (order ?? (field == "_score" ? "desc" : "asc")) == "desc"
            if field == "_score" && !descending { throw OpenSearchQueryTranslator.parsing("[sort] by [_score] ascending is not supported") }
            keys.append(OpenSearchSortKey(field: field, descending: descending, allowsUnmapped: allowsUnmapped))
        }
        return keys
    }

    /// Runs a parsed search and renders OpenSearch's response.
    func run(_ parsed: ParsedSearch) throws(OpenSearchError) -> JSON {
        var request = SearchRequest(query: parsed.query, limit: parsed.size, offset: parsed.from)
        request.ranking = ranking
        request.snippets = false
        request.loadStoredFields = false
        // Relevance first: field keys after it would only break ties (Trawl breaks ties by relevance, then age).
        let fieldKeys = parsed.sort.first?.field == "_score" ? [] : parsed.sort.prefix { $0.field != "_score" }
        for key in fieldKeys {
            guard let type = key.field == IndexSchema.dateField ? FieldType.date : reader.schema[key.field] else {
                if key.allowsUnmapped { continue }
                throw OpenSearchError(status: 400, type: "query_shard_exception", reason: "No mapping found for [\(key.field)] in order to sort on")
            }
            guard type != .text else {
                throw OpenSearchQueryTranslator.illegal("Text fields are not optimised for sorting: [\(key.field)] is a text field (sort by keyword, number, date or boolean fields)")
            }
            request.sortFields.append(SortField(field: key.field, descending: key.descending))
        }
        guard request.sortFields.count <= SortField.maximumKeys else {
            throw OpenSearchQueryTranslator.illegal("[sort] takes at most \(SortField.maximumKeys) field keys")
        }
        switch parsed.tracking {
        case .exact: request.countTotal = true
        case .none: request.totalHitsThreshold = 0
        case .upTo(let n): request.totalHitsThreshold = n
        }
        request.facets = parsed.aggregations.compactMap(\.facet)
        let results = try Self.searching { () throws(SearchError) in try reader.search(request) }
        let byField = !request.sortFields.isEmpty
        var maxScore: Float? = nil
        if !byField || parsed.trackScores {
            if parsed.from == 0 || byField {
                maxScore = byField ? results.hits.map(\.score).max() : results.hits.first?.score
            } else if !results.hits.isEmpty {
                var top = SearchRequest(query: parsed.query, limit: 1)
                top.ranking = ranking
                top.snippets = false
                top.loadStoredFields = false
                top.totalHitsThreshold = 0
                maxScore = try Self.searching { () throws(SearchError) in try reader.search(top) }.hits.first?.score
            }
        }
        var hits: [JSON] = []
        let needsStored = parsed.source.enabled || parsed.highlight != nil || !fieldKeys.isEmpty
        for hit in results.hits {
            var members: [(String, JSON)] = [("_index", .string(name)), ("_id", .string(hit.id))]
            members.append(("_score", byField && !parsed.trackScores ? .null : .double(Double(hit.score))))
            let stored = needsStored ? try Self.reading { () throws(TrawlError) in try reader.document(id: hit.id) } : nil
            if parsed.source.enabled, let stored {
                members.append(("_source", parsed.source.filter(OpenSearchDocuments.source(of: stored))))
            }
            if let highlight = parsed.highlight, let stored {
                let fragments = highlightFragments(highlight, stored: stored, query: parsed.query)
                if !fragments.isEmpty { members.append(("highlight", .object(fragments))) }
            }
            if !parsed.sort.isEmpty {
                members.append(("sort", .array(parsed.sort.map { key in sortValue(key, hit: hit, stored: stored) })))
            }
            hits.append(.object(members))
        }
        var hitsMembers: [(String, JSON)] = []
        if parsed.tracking != .none {
            var total = results.total
            if case .upTo(let n) = parsed.tracking, results.totalRelation == .greaterThanOrEqualTo { total = min(total, n) }
            if parsed.totalAsInteger {
                hitsMembers.append(("total", .int(total)))
            } else {
                hitsMembers.append(("total", .object([("value", .int(total)), ("relation", .string(results.totalRelation.rawValue))])))
            }
        }
        hitsMembers.append(("max_score", maxScore.map { .double(Double($0)) } ?? .null))
        hitsMembers.append(("hits", .array(hits)))
        var response: [(String, JSON)] = [
            ("took", .int(results.tookMicroseconds / 1000)), ("timed_out", .bool(false)), ("_shards", Self.shards),
            ("hits", .object(hitsMembers)),
        ]
        if !parsed.aggregations.isEmpty {
            var aggregations: [(String, JSON)] = []
            for aggregation in parsed.aggregations {
                let result = aggregation.facet == nil ? nil : results.facets.first { $0.name == aggregation.name }
                aggregations.append((aggregation.name, try aggregation.json(result)))
            }
            response.append(("aggregations", .object(aggregations)))
        }
        return .object(response)
    }

    /// The matching-document count of a parsed `_count`.
    func runCount(_ parsed: ParsedSearch) throws(OpenSearchError) -> JSON {
        var request = SearchRequest(query: parsed.query, limit: 0, countTotal: true)
        // The ranking too: expansion adds optional words, so `_count` counts what `_search` finds.
        request.ranking = ranking
        request.snippets = false
        request.loadStoredFields = false
        let results = try Self.searching { () throws(SearchError) in try reader.search(request) }
        return .object([("count", .int(results.total)), ("_shards", Self.shards)])
    }

    /// `_shards` of a one-shard index (built per response: a JSON tree held in a global is
    /// reported as a leak by LeakSanitizer, its boxes being out of the scanner's sight).
    static var shards: JSON {
        .object([("total", .int(1)), ("successful", .int(1)), ("skipped", .int(0)), ("failed", .int(0))])
    }

    /// A search failure as OpenSearch's error: query and request errors are 400s, an
    /// unreadable index a 500.
    static func searching<R>(_ body: () throws(SearchError) -> R) throws(OpenSearchError) -> R {
        do throws(SearchError) {
            return try body()
        } catch {
            switch error {
            case .query(let syntax):
                throw OpenSearchError(status: 400, type: "query_shard_exception", reason: "\(syntax.message) (at column \(syntax.column))")
            case .invalidRequest(let message):
                throw OpenSearchQueryTranslator.illegal(message)
            case .index(let index):
                throw OpenSearchError(status: 500, type: "trawl_index_exception", reason: index.description)
            }
        }
    }

    static func reading<R>(_ body: () throws(TrawlError) -> R) throws(OpenSearchError) -> R {
        do throws(TrawlError) {
            return try body()
        } catch {
            throw OpenSearchError(status: 500, type: "trawl_index_exception", reason: error.description)
        }
    }

    /// The value a hit is sorted by for one key (dates in epoch milliseconds, as OpenSearch).
    func sortValue(_ key: OpenSearchSortKey, hit: SearchHit, stored: StoredFields?) -> JSON {
        if key.field == "_score" { return .double(Double(hit.score)) }
        if key.field == IndexSchema.dateField {
            guard let date = stored?.date else { return .null }
            return .int(Int(date.secondsSinceEpoch) * 1000)
        }
        guard let value = stored?.fields[key.field] else { return .null }
        switch value {
        case .date(let d): return .int(Int(d.secondsSinceEpoch) * 1000)
        case .strings(let list):
            let sorted = list.sorted { $0.lowercased() < $1.lowercased() }
            return (key.descending ? sorted.last : sorted.first).map { .string($0) } ?? .null
        default: return value.json
        }
    }

    /// The highlighted fragments of a hit, by field: Trawl's snippet of each field's text with
    /// the matched words between the tags.
    func highlightFragments(_ highlight: OpenSearchHighlight, stored: StoredFields, query: Query) -> [(String, JSON)] {
        var out: [(String, JSON)] = []
        // A document in another language than the index's default: its words analyzed in its
        // own, matched against the query's terms in that language.
        var query = query
        var language: IndexLanguages.Other? = nil
        if !reader.languages.others.isEmpty, case .strings(let codes)? = stored.fields[DocumentLanguage.field],
           let code = codes.first, let other = reader.languages.others.first(where: { $0.code == code }) {
            language = other
            query = (try? reader.languageExpanded(query, language: nil)) ?? query
        }
        for field in highlight.fields {
            let text: String
            switch field.name {
            case IndexSchema.titleField: text = stored.title
            case IndexSchema.bodyField: text = stored.body
            default:
                guard case .string(let s)? = stored.fields[field.name] else { continue }
                text = s
            }
            guard !text.isEmpty else { continue }
            var builder = SnippetBuilder(analyzer: reader.analyzer, query: Self.highlightQuery(query, field: field.name))
            if let language { builder.localize(to: language) }
            builder.targetLength = field.fragments == 0 || field.fragmentSize == 0 ? max(1, text.utf8.count) : max(1, field.fragmentSize)
            let snippet = builder.snippet(for: text)
            guard !snippet.highlights.isEmpty else { continue }
            let bytes = Array(snippet.text.utf8)
            var marked = ""
            var position = 0
            func plain(_ range: Range<Int>) {
                let piece = String(decoding: bytes[range], as: UTF8.self)
                marked += highlight.escapesHTML ? Self.escapeHTML(piece) : piece
            }
            for range in snippet.highlights.sorted(by: { $0.lowerBound < $1.lowerBound }) where range.lowerBound >= position && range.upperBound <= bytes.count {
                plain(position..<range.lowerBound)
                marked += field.preTag
                plain(range)
                marked += field.postTag
                position = range.upperBound
            }
            plain(position..<bytes.count)
            out.append((field.name, .array([.string(marked)])))
        }
        return out
    }

    /// Highlight text escaped for HTML (`encoder: html`), as the search page escapes its text.
    static func escapeHTML(_ text: String) -> String { HTMLText.escape(text) }

    /// The query as the snippet builder should see it when highlighting `field`: leaves on
    /// that field become default-field leaves (which the builder marks); leaves on other
    /// fields are moved out of its sight.
    static func highlightQuery(_ query: Query, field: String) -> Query {
        let isDefault = field == IndexSchema.titleField || field == IndexSchema.bodyField
        func target(_ f: String?) -> String? {
            if f == field { return nil }
            if f == nil && isDefault { return nil }
            return "\u{0}other"
        }
        switch query {
        case .term(var t): t.field = target(t.field); return .term(t)
        case .phrase(var p): p.field = target(p.field); return .phrase(p)
        case .prefix(var p): p.field = target(p.field); return .prefix(p)
        case .boolean(let b):
            return .boolean(Query.Boolean(must: b.must.map { highlightQuery($0, field: field) },
                                          should: b.should.map { highlightQuery($0, field: field) }, mustNot: b.mustNot))
        case .boost(let inner, let factor): return .boost(highlightQuery(inner, field: field), factor)
        default: return query
        }
    }
}
