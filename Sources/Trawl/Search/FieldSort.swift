/// One key of a sort by field values: a keyword, number, date or bool field, ascending or
/// descending. Documents without a value come last either way; relevance breaks ties, then
/// the document order.
public struct SortField: Sendable, Hashable, CustomStringConvertible {
    /// The field.
    public var field: String
    /// Whether larger values (later dates, later keywords) come first.
    public var descending: Bool

    /// Creates a sort key.
    public init(field: String, descending: Bool = false) {
        self.field = field
        self.descending = descending
    }

    /// `field` or `-field`.
    public var description: String { (descending ? "-" : "") + field }

    /// The most keys a sort may have.
    public static let maximumKeys = 8

    /// Parses `-rating,date` (a `-` sorts descending; `relevance` alone is the default order).
    public static func parse(_ text: String, schema: FieldSchema) -> Result<[SortField], SearchError> {
        var keys: [SortField] = []
        for part in text.split(separator: ",") {
            var name = String(part).trimmingSpaces
            var descending = false
            if name.hasPrefix("-") { descending = true; name.removeFirst() } else if name.hasPrefix("+") { name.removeFirst() }
            if name == "relevance" || name == "_score" {
                guard descending == false, text.split(separator: ",").count == 1 else {
                    return .failure(.invalidRequest("`relevance` sorts alone (it is every sort's tie-breaker)"))
                }
                return .success([])
            }
            guard let type = schema[name] else {
                return .failure(.invalidRequest("unknown sort field `\(name)` (fields that can be sorted: \(FacetRequest.countableFields(schema).joined(separator: ", ")))"))
            }
            guard type != .text else {
                return .failure(.invalidRequest("`\(name)` is a text field; sort by a keyword, number, date or bool field"))
            }
            keys.append(SortField(field: name, descending: descending))
        }
        guard !keys.isEmpty else { return .failure(.invalidRequest("no sort field given")) }
        guard keys.count <= maximumKeys else { return .failure(.invalidRequest("at most \(maximumKeys) sort fields")) }
        return .success(keys)
    }
}

/// Keeps the first `k` hits of a sort by field values, segment by segment: within a segment
/// the keys are integers read from the columns (keyword ordinals, numbers, dates) kept in a
/// binary heap with one flat key array (offering a match allocates nothing); at the end of a
/// segment its best `k` get their values, which compare across segments.
struct FieldSortedHits {
    /// A value that compares across segments.
    enum Value: Sendable {
        case integer(Int64)
        case double(Double)
        case string([UInt8])

        static func compare(_ a: Value, _ b: Value) -> Int {
            switch (a, b) {
            case (.integer(let x), .integer(let y)): return x < y ? -1 : x > y ? 1 : 0
            case (.string(let x), .string(let y)):
                return x.lexicographicallyPrecedes(y) ? -1 : x == y ? 0 : 1
            default:
                let x = a.number, y = b.number
                return x < y ? -1 : x > y ? 1 : 0
            }
        }

        var number: Double {
            switch self {
            case .integer(let v): return Double(v)
            case .double(let v): return v
            case .string: return .nan
            }
        }
    }

    struct Ranked {
        var doc: Int
        var score: Float
        var values: [Value?]
    }

    private enum Key {
        case date(DateColumnReader)
        case keyword(KeywordColumnReader)
        case numeric(NumericColumnReader)
        case absent
    }

    let fields: [SortField]
    let k: Int
    private(set) var matched = 0
    private var ranked: [Ranked] = []
    // The current segment's heap: entries and their keys (`keys[slot * n + j]`).
    private var heapDocs: [Int] = []
    private var heapScores: [Float] = []
    private var heapSlots: [Int] = []
    private var keys: [UInt64] = []
    private var scratch: [UInt64]

    init(fields: [SortField], k: Int) {
        self.fields = fields
        self.k = max(0, k)
        scratch = [UInt64](repeating: 0, count: fields.count)
    }

    /// The code of a missing value: after every present one in both directions.
    private static let missingCode = UInt64.max

    @inline(__always)
    private static func directed(_ code: UInt64, _ descending: Bool) -> UInt64 {
        let c = min(code, UInt64.max - 1)
        return descending ? UInt64.max - 1 - c : c
    }

    @inline(__always)
    private static func integerCode(_ v: Int64) -> UInt64 { UInt64(bitPattern: v) ^ (1 << 63) }

    @inline(__always)
    private static func doubleCode(_ d: Double) -> UInt64 {
        let bits = d.bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }

    /// Compares slot entries: keys, then score (higher first), then document.
    @inline(__always)
    private func before(_ a: Int, _ b: Int) -> Bool {
        let n = fields.count
        let sa = heapSlots[a] * n, sb = heapSlots[b] * n
        for j in 0..<n where keys[sa + j] != keys[sb + j] { return keys[sa + j] < keys[sb + j] }
        if heapScores[a] != heapScores[b] { return heapScores[a] > heapScores[b] }
        return heapDocs[a] < heapDocs[b]
    }

    /// Compares the scratch keys of a candidate with heap entry `b`.
    @inline(__always)
    private func candidateBefore(_ score: Float, _ doc: Int, _ b: Int) -> Bool {
        let n = fields.count
        let sb = heapSlots[b] * n
        for j in 0..<n where scratch[j] != keys[sb + j] { return scratch[j] < keys[sb + j] }
        if score != heapScores[b] { return score > heapScores[b] }
        return doc < heapDocs[b]
    }

    private mutating func swapEntries(_ a: Int, _ b: Int) {
        heapDocs.swapAt(a, b)
        heapScores.swapAt(a, b)
        heapSlots.swapAt(a, b)
    }

    /// Offers every live match of `scorer` in `segment` (documents numbered from `base`).
    /// A proximity bonus is part of the score that breaks ties.
    mutating func collect(_ scorer: Scorer, segment: SegmentReader, base: Int, proximity: ProximityBonus? = nil) {
        let n = fields.count
        let sources: [Key] = fields.map { field in
            if field.field == IndexSchema.dateField { return .date(segment.dates) }
            if let column = segment.columns.keywords[field.field] { return .keyword(column) }
            if let column = segment.columns.numerics[field.field] { return .numeric(column) }
            return .absent
        }
        heapDocs.removeAll(keepingCapacity: true)
        heapScores.removeAll(keepingCapacity: true)
        heapSlots.removeAll(keepingCapacity: true)
        if keys.count < k * n { keys = [UInt64](repeating: 0, count: k * n) }
        var doc = scorer.nextDoc()
        while doc != Scorer.noMoreDocs {
            if segment.isLive(doc) {
                matched += 1
                if k > 0 {
                    var score = scorer.score()
                    if let proximity { score += proximity.bonus(doc: doc) }
                    for j in 0..<n {
                        let descending = fields[j].descending
                        switch sources[j] {
                        case .date(let dates):
                            let v = dates.value(doc)
                            scratch[j] = v == DateColumn.missing ? FieldSortedHits.missingCode : FieldSortedHits.directed(FieldSortedHits.integerCode(v), descending)
                        case .keyword(let column):
                            let bytes = column.bytes
                            let range = column.valueRange(doc, bytes)
                            if range.isEmpty {
                                scratch[j] = FieldSortedHits.missingCode
                            } else {
                                // Ascending sorts by a document's smallest value, descending by its largest.
                                let ordinal = column.ordinal(at: descending ? range.upperBound - 1 : range.lowerBound, bytes)
                                scratch[j] = FieldSortedHits.directed(UInt64(ordinal), descending)
                            }
                        case .numeric(let column):
                            let bytes = column.bytes
                            if column.isInteger {
                                let v = column.integer(doc, bytes)
                                scratch[j] = v == Columns.missingInteger ? FieldSortedHits.missingCode : FieldSortedHits.directed(FieldSortedHits.integerCode(v), descending)
                            } else {
                                let v = column.double(doc, bytes)
                                scratch[j] = v.isNaN ? FieldSortedHits.missingCode : FieldSortedHits.directed(FieldSortedHits.doubleCode(v), descending)
                            }
                        case .absent:
                            scratch[j] = FieldSortedHits.missingCode
                        }
                    }
                    offer(doc: doc, score: score)
                }
            }
            doc = scorer.nextDoc()
        }
        // The segment's best k, with values that compare across segments.
        for i in heapDocs.indices {
            let d = heapDocs[i]
            var values: [Value?] = []
            for j in 0..<n {
                switch sources[j] {
                case .date(let dates):
                    let v = dates.value(d)
                    values.append(v == DateColumn.missing ? nil : .integer(v))
                case .keyword(let column):
                    let bytes = column.bytes
                    let range = column.valueRange(d, bytes)
                    values.append(range.isEmpty ? nil : .string(Array(column.folded(column.ordinal(at: fields[j].descending ? range.upperBound - 1 : range.lowerBound, bytes)))))
                case .numeric(let column):
                    if column.isInteger {
                        let v = column.integer(d, column.bytes)
                        values.append(v == Columns.missingInteger ? nil : .integer(v))
                    } else {
                        let v = column.double(d, column.bytes)
                        values.append(v.isNaN ? nil : .double(v))
                    }
                case .absent:
                    values.append(nil)
                }
            }
            ranked.append(Ranked(doc: base + d, score: heapScores[i], values: values))
        }
    }

    private mutating func offer(doc: Int, score: Float) {
        let n = fields.count
        if heapDocs.count < k {
            let slot = heapDocs.count
            for j in 0..<n { keys[slot * n + j] = scratch[j] }
            heapDocs.append(doc)
            heapScores.append(score)
            heapSlots.append(slot)
            // Sift up: a parent ranks after its children (the root is the last kept).
            var i = heapDocs.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard before(parent, i) else { break }
                swapEntries(parent, i)
                i = parent
            }
        } else if candidateBefore(score, doc, 0) {
            let slot = heapSlots[0]
            for j in 0..<n { keys[slot * n + j] = scratch[j] }
            heapDocs[0] = doc
            heapScores[0] = score
            var i = 0
            let count = heapDocs.count
            while true {
                var child = 2 * i + 1
                if child >= count { break }
                if child + 1 < count && before(child, child + 1) { child += 1 }
                guard before(i, child) else { break }
                swapEntries(i, child)
                i = child
            }
        }
    }

    /// Whether `a` ranks before `b` across segments.
    private func rankedBefore(_ a: Ranked, _ b: Ranked) -> Bool {
        for j in fields.indices {
            switch (a.values[j], b.values[j]) {
            case (nil, nil): continue
            case (nil, _): return false
            case (_, nil): return true
            case (let x?, let y?):
                let c = Value.compare(x, y)
                if c != 0 { return fields[j].descending ? c > 0 : c < 0 }
            }
        }
        if a.score != b.score { return a.score > b.score }
        return a.doc < b.doc
    }

    /// The first `k` hits over every segment, in order.
    func sorted() -> [ScoredDocument] {
        ranked.sorted(by: rankedBefore).prefix(k).map { ScoredDocument(doc: $0.doc, score: $0.score) }
    }
}
