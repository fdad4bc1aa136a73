/// A count of the matching documents per value of one field (a facet, Elasticsearch's terms,
/// date-histogram and range aggregations).
public struct FacetRequest: Sendable, Hashable {
    /// How a facet groups values.
    public enum Grouping: Sendable, Hashable {
        /// Keyword or bool values: the `limit` most frequent (ties: by value).
        case values(limit: Int)
        /// Dates by calendar year, month or day (UTC), newest first.
        case dates(DateInterval)
        /// Numbers (or dates, in seconds) in the given ranges, in order.
        case ranges([NumberBucket])
    }

    /// Calendar intervals of date facets.
    public enum DateInterval: String, Sendable, Hashable, CaseIterable {
        /// `2024`.
        case year
        /// `2024-03`.
        case month
        /// `2024-03-05`.
        case day
    }

    /// A range of a number facet: `from` inclusive, `to` exclusive; `nil` is open.
    public struct NumberBucket: Sendable, Hashable {
        /// The lower bound (inclusive), or nil.
        public var from: Double?
        /// The upper bound (exclusive), or nil.
        public var to: Double?

        /// Creates a range.
        public init(from: Double?, to: Double?) {
            self.from = from
            self.to = to
        }

        /// `from..to` with `*` for an open end.
        public var label: String {
            (from.map(FieldValue.format) ?? "*") + ".." + (to.map(FieldValue.format) ?? "*")
        }

        func contains(_ value: Double) -> Bool {
            if let from, value < from { return false }
            if let to, value >= to { return false }
            return true
        }
    }

    /// The field counted.
    public var field: String
    /// How its values are grouped.
    public var grouping: Grouping
    /// The name the results go by (``FacetResult/name``): the field, or what the facet was asked as.
    public var label: String

    /// Creates a facet request.
    public init(field: String, grouping: Grouping = .values(limit: 10), label: String? = nil) {
        self.field = field
        self.grouping = grouping
        self.label = label ?? field
    }

    /// The default number of values a keyword facet returns.
    public static let defaultLimit = 10

    /// Parses the command line's form: `tags`, `tags:20`, `date:month`, `year` (the `date`
    /// field by year; likewise `month`, `day`), `words:500..1000..5000` (ranges between the
    /// breakpoints, open at both ends). The grouping of a bare name follows its type in
    /// `schema` (values, or dates by year).
    public static func parse(_ text: String, schema: FieldSchema) -> Result<FacetRequest, SearchError> {
        func fail(_ message: String) -> Result<FacetRequest, SearchError> { .failure(.invalidRequest(message)) }
        var name = text.trimmingSpaces
        var option: String?
        if let colon = name.firstIndex(of: ":") {
            option = String(name[name.index(after: colon)...])
            name = String(name[..<colon])
        }
        if option == nil, let interval = DateInterval(rawValue: name), schema[name] == nil {
            return .success(FacetRequest(field: IndexSchema.dateField, grouping: .dates(interval), label: name))
        }
        guard let type = schema[name] else {
            return fail("unknown facet field `\(name)` (fields that can be counted: \(countableFields(schema).joined(separator: ", ")))")
        }
        switch type {
        case .text:
            return fail("`\(name)` is a text field; facets count keyword, bool, number and date fields")
        case .keyword, .bool:
            guard let option else { return .success(FacetRequest(field: name, label: name)) }
            guard let limit = Int(option), limit > 0, limit <= 100_000 else {
                return fail("`\(name):\(option)`: a keyword facet takes how many values to return, 1 to 100000")
            }
            return .success(FacetRequest(field: name, grouping: .values(limit: limit), label: name))
        case .date:
            guard let option else { return .success(FacetRequest(field: name, grouping: .dates(.year), label: name)) }
            guard let interval = DateInterval(rawValue: option) else {
                return fail("`\(name):\(option)`: a date facet groups by year, month or day")
            }
            return .success(FacetRequest(field: name, grouping: .dates(interval), label: name))
        case .number:
            guard let option, !option.isEmpty else {
                return fail("`\(name)` is a number field: give ranges by their breakpoints, as \(name):100..1000..10000")
            }
            var points: [Double] = []
            for part in option.components(separatedBy: "..") {
                guard let value = Double(part), value.isFinite else { return fail("`\(part)` in `\(text)` is not a number") }
                if let last = points.last, value <= last { return fail("the breakpoints of `\(text)` must increase") }
                points.append(value)
            }
            var buckets = [NumberBucket(from: nil, to: points[0])]
            for i in 0..<points.count - 1 { buckets.append(NumberBucket(from: points[i], to: points[i + 1])) }
            buckets.append(NumberBucket(from: points[points.count - 1], to: nil))
            return .success(FacetRequest(field: name, grouping: .ranges(buckets), label: name))
        }
    }

    static func countableFields(_ schema: FieldSchema) -> [String] {
        schema.types.filter { $0.value != .text }.map(\.key).sorted()
    }
}

/// The counts of one facet.
public struct FacetResult: Sendable, Hashable {
    /// One value (or range, or date interval) and how many matching documents have it.
    public struct Bucket: Sendable, Hashable {
        /// The value as shown: a keyword as first spelled, `true`/`false`, `2024-03`, `0..500`.
        public var value: String
        /// Matching documents with the value.
        public var count: Int
        /// A number range's bounds (nil otherwise, and for open ends).
        public var from: Double?
        /// See ``from``.
        public var to: Double?
    }

    /// The field counted.
    public var field: String
    /// How the values were grouped.
    public var grouping: FacetRequest.Grouping
    /// Whether the buckets are number ranges (shown even when empty).
    public var isRanges: Bool { if case .ranges = grouping { return true } else { return false } }
    /// The label the facet was asked by (`tags`, `year`, `date:month`): the key of the JSON output.
    public var name: String
    /// The buckets: most frequent first for values, newest first for dates, in order for ranges.
    public var buckets: [Bucket]
    /// Matching documents with values beyond the returned buckets (keyword facets).
    public var otherCount: Int
    /// Matching documents without a value.
    public var missingCount: Int
}

/// Counts facet values over every match of a segment: one pass over the query's matches, with
/// no pruning and no scoring (the ranking pass prunes on its own).
struct FacetCounter {
    let requests: [FacetRequest]
    /// Per request: counts by folded keyword value (display spelling kept), by date key, or per range.
    private(set) var keywordCounts: [[String: (display: String, count: Int)]]
    private(set) var dateCounts: [[Int64: Int]]
    private(set) var rangeCounts: [[Int]]
    private(set) var missing: [Int]
    /// Matches counted (live documents).
    private(set) var matched = 0
    /// The current segment's live matches (kept between segments to reuse its memory).
    private var documents: [Int32] = []
    /// Per keyword ordinal of the current segment: its count.
    private var ordinalCounts: [Int] = []
    /// Per request: the non-zero counts by ordinal while only one segment had matches.
    private var firstSegmentCounts: [(column: KeywordColumnReader, counts: [(ordinal: Int32, count: Int)])?]

    init(_ requests: [FacetRequest]) {
        self.requests = requests
        keywordCounts = Array(repeating: [:], count: requests.count)
        dateCounts = Array(repeating: [:], count: requests.count)
        rangeCounts = requests.map { if case .ranges(let b) = $0.grouping { return [Int](repeating: 0, count: b.count) } else { return [] } }
        missing = Array(repeating: 0, count: requests.count)
        firstSegmentCounts = Array(repeating: nil, count: requests.count)
    }

    /// The key of a date's bucket: `yyyy`, `yyyymm` or `yyyymmdd`.
    static func dateKey(_ seconds: Int64, _ interval: FacetRequest.DateInterval) -> Int64 {
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let (y, m, d) = CivilCalendar.civilDate(daysSinceEpoch: days)
        switch interval {
        case .year: return Int64(y)
        case .month: return Int64(y) * 100 + Int64(m)
        case .day: return (Int64(y) * 100 + Int64(m)) * 100 + Int64(d)
        }
    }

    static func dateLabel(_ key: Int64, _ interval: FacetRequest.DateInterval) -> String {
        func pad(_ v: Int64, _ w: Int) -> String { let s = String(abs(v)); return (v < 0 ? "-" : "") + String(repeating: "0", count: max(0, w - s.count)) + s }
        switch interval {
        case .year: return pad(key, 4)
        case .month: return pad(key / 100, 4) + "-" + pad(key % 100, 2)
        case .day: return pad(key / 10_000, 4) + "-" + pad(key / 100 % 100, 2) + "-" + pad(key % 100, 2)
        }
    }

    /// Counts every live match of `scorer` (a fresh scorer tree of the query) in `segment`:
    /// the matches are gathered once, then each facet runs its own loop over them.
    mutating func count(_ scorer: Scorer, segment: SegmentReader) {
        documents.removeAll(keepingCapacity: true)
        // One allocation per segment, whatever the number of matches.
        documents.reserveCapacity(segment.documentCount)
        var doc = scorer.nextDoc()
        while doc != Scorer.noMoreDocs {
            if segment.isLive(doc) { documents.append(Int32(doc)) }
            doc = scorer.nextDoc()
        }
        matched += documents.count
        for i in requests.indices {
            switch requests[i].grouping {
            case .values:
                guard let column = segment.columns.keywords[requests[i].field] else { missing[i] += documents.count; continue }
                countKeywords(column, request: i)
            case .dates(let interval):
                var counts = dateCounts[i]
                var absent = 0
                if requests[i].field == IndexSchema.dateField {
                    let dates = segment.dates
                    for d in documents {
                        let v = dates.value(Int(d))
                        if v == DateColumn.missing { absent += 1 } else { counts[FacetCounter.dateKey(v, interval), default: 0] += 1 }
                    }
                } else if let column = segment.columns.numerics[requests[i].field], column.isInteger {
                    let bytes = column.bytes
                    for d in documents {
                        let v = column.integer(Int(d), bytes)
                        if v == Columns.missingInteger { absent += 1 } else { counts[FacetCounter.dateKey(v, interval), default: 0] += 1 }
                    }
                } else {
                    absent = documents.count
                }
                dateCounts[i] = counts
                missing[i] += absent
            case .ranges(let buckets):
                guard let column = segment.columns.numerics[requests[i].field] else { missing[i] += documents.count; continue }
                let bytes = column.bytes
                var counts = rangeCounts[i]
                var absent = 0
                for d in documents {
                    let v = column.double(Int(d), bytes)
                    if v.isNaN { absent += 1; continue }
                    for b in buckets.indices where buckets[b].contains(v) { counts[b] += 1 }
                }
                rangeCounts[i] = counts
                missing[i] += absent
            }
        }
    }

    /// Counts a keyword column's ordinals over the gathered matches. The non-zero counts of
    /// the first segment stay by ordinal (their values are read only for the buckets shown);
    /// from a second segment on, counts are merged by folded value.
    private mutating func countKeywords(_ column: KeywordColumnReader, request i: Int) {
        if ordinalCounts.count < column.valueCount { ordinalCounts = [Int](repeating: 0, count: column.valueCount) }
        let bytes = column.bytes
        let codes = column.codes, ordinals = column.ordinals
        var absent = 0
        ordinalCounts.withUnsafeMutableBufferPointer { counts in
            documents.withUnsafeBufferPointer { documents in
                if column.isMultiValued {
                    for d in documents {
                        var j = Int(codes.get(bytes, Int(d)))
                        let end = Int(codes.get(bytes, Int(d) &+ 1))
                        if j == end { absent &+= 1; continue }
                        while j < end {
                            counts[Int(ordinals.get(bytes, j))] &+= 1
                            j &+= 1
                        }
                    }
                } else {
                    for d in documents {
                        let code = Int(codes.get(bytes, Int(d)))
                        if code == 0 { absent &+= 1 } else { counts[code &- 1] &+= 1 }
                    }
                }
            }
        }
        missing[i] += absent
        var nonZero: [(ordinal: Int32, count: Int)] = []
        for ordinal in 0..<column.valueCount where ordinalCounts[ordinal] > 0 {
            nonZero.append((Int32(ordinal), ordinalCounts[ordinal]))
            ordinalCounts[ordinal] = 0
        }
        if let first = firstSegmentCounts[i] {
            // A second segment: both go to the table by folded value.
            firstSegmentCounts[i] = nil
            merge(first.column, first.counts, request: i)
            merge(column, nonZero, request: i)
        } else if keywordCounts[i].isEmpty {
            firstSegmentCounts[i] = (column, nonZero)
        } else {
            merge(column, nonZero, request: i)
        }
    }

    /// Adds one segment's counts to the table by folded value.
    private mutating func merge(_ column: KeywordColumnReader, _ counts: [(ordinal: Int32, count: Int)], request i: Int) {
        for (ordinal, count) in counts {
            let key = column.foldedString(Int(ordinal))
            if let existing = keywordCounts[i][key] {
                keywordCounts[i][key] = (existing.display, existing.count + count)
            } else {
                keywordCounts[i][key] = (column.display(Int(ordinal)), count)
            }
        }
    }

    /// The results, in request order.
    func results() -> [FacetResult] {
        requests.indices.map { i in
            let request = requests[i]
            var buckets: [FacetResult.Bucket] = []
            var other = 0
            switch request.grouping {
            case .values(let limit) where firstSegmentCounts[i] != nil:
                // One segment: ordinals are in folded order, so ties go by ordinal.
                let (column, counts) = firstSegmentCounts[i]!
                let top = counts.count <= limit ? counts.sorted { $0.count != $1.count ? $0.count > $1.count : $0.ordinal < $1.ordinal }
                    : Array(counts.sorted { $0.count != $1.count ? $0.count > $1.count : $0.ordinal < $1.ordinal }.prefix(limit))
                buckets = top.map { FacetResult.Bucket(value: column.display(Int($0.ordinal)), count: $0.count) }
                other = counts.reduce(0) { $0 + $1.count } - top.reduce(0) { $0 + $1.count }
            case .values(let limit):
                let sorted = keywordCounts[i].sorted { a, b in a.value.count != b.value.count ? a.value.count > b.value.count : a.key < b.key }
                buckets = sorted.prefix(limit).map { FacetResult.Bucket(value: $0.value.display, count: $0.value.count) }
                other = sorted.dropFirst(limit).reduce(0) { $0 + $1.value.count }
            case .dates(let interval):
                buckets = dateCounts[i].sorted { $0.key > $1.key }.map {
                    FacetResult.Bucket(value: FacetCounter.dateLabel($0.key, interval), count: $0.value)
                }
            case .ranges(let ranges):
                buckets = ranges.indices.map {
                    FacetResult.Bucket(value: ranges[$0].label, count: rangeCounts[i][$0], from: ranges[$0].from, to: ranges[$0].to)
                }
            }
            return FacetResult(field: request.field, grouping: request.grouping, name: request.label, buckets: buckets, otherCount: other, missingCount: missing[i])
        }
    }
}
