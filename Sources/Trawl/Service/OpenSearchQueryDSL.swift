/// Translates OpenSearch's query DSL (a parsed JSON body) into Trawl ``Query`` trees.
///
/// Leaves are built the way Trawl's own parser builds them (the same analyzers, the same word,
/// phrase, prefix, fuzzy, date and number leaves), so a DSL query and its equivalent query
/// string find the same documents. Anything the translation does not support is an
/// ``OpenSearchError`` (400) whose reason names the unsupported part; see docs/opensearch.md.
struct OpenSearchQueryTranslator {
    /// The index's query parser: its analyzers, field types and clock.
    let parser: QueryParser
    /// The index's field types.
    let schema: FieldSchema
    /// The most leaf clauses a DSL query may hold (OpenSearch's `indices.query.bool.max_clause_count` is 1,024; Trawl's parser allows 10,000).
    static let maximumClauses = 10_000
    /// The most terms a fuzzy word may expand to (OpenSearch's default is 50).
    static let maximumExpansions = 1_024
    /// The most combinations a `minimum_should_match` between 1 and the clause count expands to.
    static let maximumCombinations = 1_024
    /// Leaves built so far.
    private var leaves = 0
    /// How deeply the query objects being read are nested.
    private var depth = 0
    /// The deepest nesting of query objects accepted.
    static let maximumDepth = 64

    /// A translator for an index with this parser and schema.
    init(parser: QueryParser, schema: FieldSchema) {
        self.parser = parser
        self.schema = schema
    }

    /// The queries this translator understands, for error messages.
    static let supportedQueries = ["bool", "dis_max", "exists", "match", "match_all", "match_none", "match_phrase",
                                   "multi_match", "prefix", "query_string", "range", "term", "terms"]

    // MARK: Errors

    static func parsing(_ reason: String) -> OpenSearchError {
        OpenSearchError(status: 400, type: "parsing_exception", reason: reason)
    }

    static func illegal(_ reason: String) -> OpenSearchError {
        OpenSearchError(status: 400, type: "illegal_argument_exception", reason: reason)
    }

    // MARK: Dispatch

    /// Translates one query object (`{"match": {...}}`).
    mutating func query(_ json: JSON) throws(OpenSearchError) -> Query {
        guard let members = json.objectMembers else {
            throw Self.parsing("a query must be an object, not a \(json.kindName)")
        }
        guard let (name, body) = members.first else { throw Self.parsing("query malformed, empty clause found") }
        guard members.count == 1 else {
            throw Self.parsing("[\(name)] malformed query, expected [END_OBJECT] but found [FIELD_NAME] [\(members[1].0)]")
        }
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw Self.parsing("queries nest deeper than \(Self.maximumDepth) levels") }
        switch name {
        case "match_all": return try matchAll(body, name: name, matching: true)
        case "match_none": return try matchAll(body, name: name, matching: false)
        case "bool": return try boolean(body)
        case "dis_max": return try disMax(body)
        case "match": return try match(body)
        case "match_phrase": return try matchPhrase(body)
        case "multi_match": return try multiMatch(body)
        case "query_string": return try queryString(body)
        case "term": return try term(body)
        case "terms": return try terms(body)
        case "range": return try range(body)
        case "prefix": return try prefix(body)
        case "exists": return try exists(body)
        default:
            throw Self.parsing("unknown query [\(name)] (Trawl supports \(Self.supportedQueries.joined(separator: ", ")))")
        }
    }

    // MARK: Shared pieces

    /// The members of an object parameter, or a 400 naming the query.
    private func object(_ json: JSON, of query: String) throws(OpenSearchError) -> [(String, JSON)] {
        guard let members = json.objectMembers else {
            throw Self.parsing("[\(query)] query malformed, expected an object, found a \(json.kindName)")
        }
        return members
    }

    /// `{"field": value}` or `{"field": {"value" or "query": …, options}}`: the field, the
    /// value and the options (empty for the short form).
    private func fieldClause(_ json: JSON, of query: String, valueKey: String) throws(OpenSearchError) -> (String, JSON, [(String, JSON)]) {
        let members = try object(json, of: query)
        var field: String?
        var value: JSON?
        var options: [(String, JSON)] = []
        for (key, item) in members {
            if key == "boost" || key == "_name" {
                options.append((key, item))
                continue
            }
            if field != nil {
                throw Self.parsing("[\(query)] query doesn't support multiple fields, found [\(field!)] and [\(key)]")
            }
            field = key
            if let inner = item.objectMembers {
                for (innerKey, innerValue) in inner {
                    if innerKey == valueKey { value = innerValue } else { options.append((innerKey, innerValue)) }
                }
                guard value != nil else { throw Self.parsing("[\(query)] query on [\(key)] has no [\(valueKey)]") }
            } else {
                value = item
            }
        }
        guard let field, let value else { throw Self.parsing("[\(query)] query needs a field") }
        return (field, value, options)
    }

    /// A scalar as text: strings as they are, numbers and booleans as written.
    private func text(_ json: JSON, of query: String, parameter: String) throws(OpenSearchError) -> String {
        switch json {
        case .string(let s): return s
        case .int(let n): return String(n)
        case .double(let d): return FieldValue.format(d)
        case .bool(let b): return b ? "true" : "false"
        default: throw Self.parsing("[\(query)] [\(parameter)] must be a string, number or boolean, not a \(json.kindName)")
        }
    }

    private func number(_ json: JSON, of query: String, parameter: String) throws(OpenSearchError) -> Double {
        if let d = json.doubleValue, d.isFinite { return d }
        if let s = json.stringValue, let d = Double(s.trimmingSpaces), d.isFinite { return d }
        throw Self.parsing("[\(query)] [\(parameter)] must be a number, not \(json.rendered())")
    }

    private func integer(_ json: JSON, of query: String, parameter: String) throws(OpenSearchError) -> Int {
        if let n = json.intValue { return n }
        if let s = json.stringValue, let n = Int(s.trimmingSpaces) { return n }
        throw Self.parsing("[\(query)] [\(parameter)] must be a whole number, not \(json.rendered())")
    }

    private func bool(_ json: JSON, of query: String, parameter: String) throws(OpenSearchError) -> Bool {
        if let b = json.boolValue { return b }
        if let s = json.stringValue, s == "true" || s == "false" { return s == "true" }
        throw Self.parsing("[\(query)] [\(parameter)] must be true or false, not \(json.rendered())")
    }

    /// A `boost` value: finite and not negative.
    private func boost(_ json: JSON, of query: String) throws(OpenSearchError) -> Double {
        let value = try number(json, of: query, parameter: "boost")
        guard value >= 0 else { throw Self.illegal("[\(query)] query: negative [boost] are not allowed") }
        return value
    }

    /// `query` boosted when `factor` is not 1.
    private static func boosted(_ query: Query, _ factor: Double) -> Query {
        factor == 1 || query == .matchNone ? query : query.boosted(factor)
    }

    /// The unsupported option error.
    private static func unsupported(_ query: String, _ option: String) -> OpenSearchError {
        parsing("[\(query)] query does not support [\(option)]")
    }

    /// Counts leaves against ``maximumClauses``.
    private mutating func count(_ n: Int = 1) throws(OpenSearchError) {
        leaves += n
        if leaves > Self.maximumClauses {
            throw OpenSearchError(status: 400, type: "too_many_clauses",
                                  reason: "the query has more than \(Self.maximumClauses) clauses")
        }
    }

    /// The type of a field, or nil when the index does not know it (queries on it match nothing,
    /// as on an unmapped field in OpenSearch).
    private func fieldType(_ field: String) -> FieldType? {
        if field == parser.dateField { return .date }
        if let type = schema[field] { return type }
        return parser.fields.contains(field) ? .text : nil
    }

    /// A word or phrase leaf on `field` (nil: the default fields), analyzed as the parser does.
    private mutating func wordLeaf(_ word: String, field: String?, slop: Int = 0) throws(OpenSearchError) -> Query {
        try count()
        return QueryParser.wordQuery(word, field: field, slop: slop, analyzer: parser.analyzer(for: field)) ?? .matchNone
    }

    /// The query for one value written as `field:value` in Trawl's syntax (keyword, bool,
    /// number and date fields): parsed by the index's parser, so both agree.
    private mutating func valueLeaf(_ value: String, field: String, query: String) throws(OpenSearchError) -> Query {
        try count()
        var out = field + ":"
        if QueryPrinter.containsWhitespace(value) { QueryPrinter.printQuoted(value, into: &out) } else { QueryPrinter.printEscapedWord(value, into: &out) }
        var strict = parser
        strict.lenient = false
        do throws(QuerySyntaxError) {
            return try strict.parse(out)
        } catch {
            throw Self.parsing("[\(query)] failed to read [\(value)] for the \(fieldType(field)?.description ?? "") field [\(field)]: \(error.message)")
        }
    }

    // MARK: Combining

    /// A boolean with OpenSearch's semantics: every `must` and `filter` clause matches (filters
    /// add nothing to the score), no `mustNot` clause matches, and at least `minimumShould` of
    /// the `should` clauses match. `.matchNone` clauses are resolved here, never nested.
    static func combine(must: [Query], filter: [Query] = [], should: [Query], mustNot: [Query],
                        minimumShould: Int) throws(OpenSearchError) -> Query {
        if must.contains(.matchNone) || filter.contains(.matchNone) { return .matchNone }
        let required = Int(max(0, min(minimumShould, should.count)))
        let live = should.filter { $0 != .matchNone }
        if required > live.count { return .matchNone }
        let excluded = mustNot.filter { $0 != .matchNone }
        var must = must + filter.map { $0 == .matchAll ? Query.boost(.matchAll, 0) : Query.boost($0, 0) }
        var optional: [Query] = []
        switch required {
        case 0:
            optional = live
        case 1:
            if must.isEmpty {
                optional = live
            } else if live.count == 1 {
                must.append(live[0])
            } else {
                must.append(.boolean(Query.Boolean(should: live)))
            }
        case live.count:
            must.append(contentsOf: live)
        default:
            // k of n: a non-scoring OR of every k-subset's AND, with the clauses optional for scoring.
            guard binomial(live.count, required) <= maximumCombinations, let combinations = Self.combinations(live.count, required) else {
                throw illegal("minimum_should_match \(required) of \(live.count) clauses expands to more than \(maximumCombinations) combinations")
            }
            let any = combinations.map { Query.boolean(Query.Boolean(must: $0.map { live[$0] })) }
            must.append(.boost(.boolean(Query.Boolean(should: any)), 0))
            optional = live
        }
        if must.isEmpty && optional.isEmpty {
            return excluded.isEmpty ? .matchAll : .boolean(Query.Boolean(must: [.matchAll], mustNot: excluded))
        }
        // Optional clauses with none required: every document matches, the clauses score.
        if must.isEmpty && required == 0 { must = [.matchAll] }
        if excluded.isEmpty {
            if must.count == 1 && optional.isEmpty { return must[0] }
            if must.isEmpty && optional.count == 1 { return optional[0] }
        }
        return .boolean(Query.Boolean(must: must, should: optional, mustNot: excluded))
    }

    /// The number of k-subsets of n things, capped just above ``maximumCombinations``.
    static func binomial(_ n: Int, _ k: Int) -> Int {
        let k = min(k, n - k)
        guard k >= 0 else { return 0 }
        var result = 1
        for i in 0..<k {
            // C(n, i + 1) = C(n, i) · (n − i) / (i + 1), exact at every step.
            result = result * (n - i) / (i + 1)
            if result > maximumCombinations { return maximumCombinations + 1 }
        }
        return result
    }

    /// Every k-subset of 0..<n as index lists, or nil when there are more than the cap.
    static func combinations(_ n: Int, _ k: Int) -> [[Int]]? {
        var out: [[Int]] = []
        var current: [Int] = []
        func walk(_ start: Int) -> Bool {
            if current.count == k {
                out.append(current)
                return out.count <= maximumCombinations
            }
            if n - start < k - current.count { return true }
            for i in start..<n {
                current.append(i)
                if !walk(i + 1) { return false }
                current.removeLast()
            }
            return true
        }
        return walk(0) ? out : nil
    }

    /// The number of optional clauses that must match for a `minimum_should_match` value over
    /// `count` clauses: `2`, `-1`, `"75%"`, `"-25%"`.
    static func minimumShouldMatch(_ json: JSON, count: Int, query: String) throws(OpenSearchError) -> Int {
        var value: Int
        if let n = json.intValue {
            value = n < 0 ? count + n : n
        } else if let s = json.stringValue?.trimmingSpaces, !s.isEmpty {
            if s.hasSuffix("%") {
                guard let p = Int(s.dropLast()), abs(p) <= 100 else {
                    throw parsing("[\(query)] [minimum_should_match] `\(s)` is not supported (use N, -N, N% or -N%)")
                }
                let part = count * abs(p) / 100
                value = p < 0 ? count - part : part
            } else if let n = Int(s) {
                value = n < 0 ? count + n : n
            } else {
                throw parsing("[\(query)] [minimum_should_match] `\(s)` is not supported (use N, -N, N% or -N%)")
            }
        } else {
            throw parsing("[\(query)] [minimum_should_match] must be a number or a string, not \(json.rendered())")
        }
        value = max(0, min(value, count))
        return value
    }

    // MARK: Queries

    private func matchAll(_ body: JSON, name: String, matching: Bool) throws(OpenSearchError) -> Query {
        var factor = 1.0
        for (key, value) in try object(body, of: name) {
            switch key {
            case "boost": factor = try boost(value, of: name)
            case "_name": break
            default: throw Self.unsupported(name, key)
            }
        }
        return matching ? Self.boosted(.matchAll, factor) : .matchNone
    }

    private mutating func clauses(_ json: JSON, of query: String) throws(OpenSearchError) -> [Query] {
        if let elements = json.arrayElements {
            var out: [Query] = []
            for element in elements { out.append(try self.query(element)) }
            return out
        }
        if json.objectMembers != nil { return [try self.query(json)] }
        throw Self.parsing("[\(query)] clauses must be a query object or an array of them, not a \(json.kindName)")
    }

    private mutating func boolean(_ body: JSON) throws(OpenSearchError) -> Query {
        var must: [Query] = [], filter: [Query] = [], should: [Query] = [], mustNot: [Query] = []
        var minimum: JSON?
        var factor = 1.0
        for (key, value) in try object(body, of: "bool") {
            switch key {
            case "must": must += try clauses(value, of: "bool")
            case "filter": filter += try clauses(value, of: "bool")
            case "should": should += try clauses(value, of: "bool")
            case "must_not": mustNot += try clauses(value, of: "bool")
            case "minimum_should_match": minimum = value
            case "boost": factor = try boost(value, of: "bool")
            case "adjust_pure_negative", "_name": break
            default: throw Self.parsing("[bool] query does not support [\(key)]")
            }
        }
        let defaultMinimum = must.isEmpty && filter.isEmpty && !should.isEmpty ? 1 : 0
        let required = try minimum.map { (m: JSON) throws(OpenSearchError) -> Int in
            try Self.minimumShouldMatch(m, count: should.count, query: "bool")
        } ?? defaultMinimum
        let combined = try Self.combine(must: must, filter: filter, should: should, mustNot: mustNot, minimumShould: required)
        return Self.boosted(combined, factor)
    }

    private mutating func disMax(_ body: JSON) throws(OpenSearchError) -> Query {
        var queries: [Query] = []
        var factor = 1.0
        for (key, value) in try object(body, of: "dis_max") {
            switch key {
            case "queries": queries = try clauses(value, of: "dis_max")
            case "boost": factor = try boost(value, of: "dis_max")
            case "tie_breaker", "_name": break
            default: throw Self.unsupported("dis_max", key)
            }
        }
        return Self.boosted(try Self.combine(must: [], should: queries, mustNot: [], minimumShould: 1), factor)
    }

    /// The edits a `fuzziness` value allows for a term: `AUTO` (0 up to 2 characters, 1 up to
    /// 5, else 2), `AUTO:low,high`, 0, 1, 2.
    static func edits(_ fuzziness: JSON, term: String, query: String) throws(OpenSearchError) -> Int {
        if let n = fuzziness.intValue, (0...Query.Fuzzy.maximumEdits).contains(n) { return n }
        if let s = fuzziness.stringValue {
            if let n = Int(s), (0...Query.Fuzzy.maximumEdits).contains(n) { return n }
            let upper = s.uppercased()
            if upper.hasPrefix("AUTO") {
                var low = 3, high = 6
                if upper.count > 4 {
                    let bounds = upper.dropFirst(5).split(separator: ",")
                    guard upper.dropFirst(4).first == ":", bounds.count == 2, let l = Int(bounds[0]), let h = Int(bounds[1]), l <= h else {
                        throw parsing("[\(query)] [fuzziness] `\(s)` is not supported (AUTO, AUTO:low,high, 0, 1 or 2)")
                    }
                    low = l
                    high = h
                }
                let length = term.count
                return length < low ? 0 : length < high ? 1 : 2
            }
        }
        throw parsing("[\(query)] [fuzziness] \(fuzziness.rendered()) is not supported (AUTO, AUTO:low,high, 0, 1 or 2)")
    }

    /// Options shared by `match` and `multi_match`.
    struct MatchOptions {
        var and = false
        var minimumShouldMatch: JSON?
        var fuzziness: JSON?
        var prefixLength = 0
        var maxExpansions = Query.Fuzzy.defaultMaxExpansions
        var zeroTermsAll = false
    }

    /// Reads one `match`-family option; false when the key is not one.
    private func matchOption(_ key: String, _ value: JSON, into options: inout MatchOptions, query: String) throws(OpenSearchError) -> Bool {
        switch key {
        case "operator":
            guard let s = value.stringValue?.lowercased(), s == "and" || s == "or" else {
                throw Self.parsing("[\(query)] [operator] must be AND or OR, not \(value.rendered())")
            }
            options.and = s == "and"
        case "minimum_should_match": options.minimumShouldMatch = value
        case "fuzziness": options.fuzziness = value
        case "prefix_length": options.prefixLength = max(0, try integer(value, of: query, parameter: key))
        case "max_expansions":
            let n = try integer(value, of: query, parameter: key)
            guard n > 0 else { throw Self.illegal("[\(query)] [max_expansions] must be positive") }
            options.maxExpansions = min(n, Self.maximumExpansions)
        case "fuzzy_transpositions":
            guard try bool(value, of: query, parameter: key) else {
                throw Self.parsing("[\(query)] [fuzzy_transpositions] false is not supported: Trawl counts a transposition as one edit")
            }
        case "zero_terms_query":
            guard let s = value.stringValue?.lowercased(), s == "none" || s == "all" else {
                throw Self.parsing("[\(query)] [zero_terms_query] must be none or all")
            }
            options.zeroTermsAll = s == "all"
        case "lenient", "auto_generate_synonyms_phrase_query", "_name", "tie_breaker", "fuzzy_rewrite": break
        default: return false
        }
        return true
    }

    /// The leaves of the words of `text` on `field` (fuzzy when asked).
    private mutating func matchLeaves(_ text: String, field: String?, options: MatchOptions, query: String) throws(OpenSearchError) -> [Query] {
        var out: [Query] = []
        for word in text.split(whereSeparator: { $0.isWhitespace }) {
            let leaf = try wordLeaf(String(word), field: field)
            if case .term(let t) = leaf, let fuzziness = options.fuzziness {
                let edits = try Self.edits(fuzziness, term: t.term, query: query)
                if edits > 0 {
                    out.append(.fuzzy(Query.Fuzzy(field: field, text: t.text, term: t.term, maxEdits: edits,
                                                  prefixLength: options.prefixLength, maxExpansions: options.maxExpansions)))
                    continue
                }
            }
            if leaf != .matchNone { out.append(leaf) }
        }
        return out
    }

    /// The words of `text` on one field combined by the operator and `minimum_should_match`.
    private mutating func matchQuery(_ text: String, field: String?, options: MatchOptions, query: String) throws(OpenSearchError) -> Query {
        if let field, let type = fieldType(field), type != .text {
            return try termLeaf(text, field: field, query: query)
        }
        if let field, fieldType(field) == nil { return .matchNone }
        let leaves = try matchLeaves(text, field: field, options: options, query: query)
        if leaves.isEmpty { return options.zeroTermsAll ? .matchAll : .matchNone }
        if options.and { return try Self.combine(must: leaves, should: [], mustNot: [], minimumShould: 0) }
        let required = try options.minimumShouldMatch.map { (m: JSON) throws(OpenSearchError) -> Int in
            try Self.minimumShouldMatch(m, count: leaves.count, query: query)
        } ?? 1
        return try Self.combine(must: [], should: leaves, mustNot: [], minimumShould: max(1, required))
    }

    private mutating func match(_ body: JSON) throws(OpenSearchError) -> Query {
        let (field, value, rawOptions) = try fieldClause(body, of: "match", valueKey: "query")
        var options = MatchOptions()
        var factor = 1.0
        for (key, item) in rawOptions {
            if key == "boost" { factor = try boost(item, of: "match"); continue }
            if try !matchOption(key, item, into: &options, query: "match") { throw Self.unsupported("match", key) }
        }
        let text = try self.text(value, of: "match", parameter: "query")
        return Self.boosted(try matchQuery(text, field: field, options: options, query: "match"), factor)
    }

    private mutating func matchPhrase(_ body: JSON) throws(OpenSearchError) -> Query {
        let (field, value, options) = try fieldClause(body, of: "match_phrase", valueKey: "query")
        var slop = 0
        var factor = 1.0
        var zeroAll = false
        for (key, item) in options {
            switch key {
            case "slop":
                slop = try integer(item, of: "match_phrase", parameter: key)
                guard slop >= 0 else { throw Self.illegal("[match_phrase] [slop] must not be negative") }
            case "boost": factor = try boost(item, of: "match_phrase")
            case "zero_terms_query": zeroAll = item.stringValue?.lowercased() == "all"
            case "_name": break
            default: throw Self.unsupported("match_phrase", key)
            }
        }
        let text = try self.text(value, of: "match_phrase", parameter: "query")
        guard let type = fieldType(field) else { return .matchNone }
        if type != .text { return Self.boosted(try termLeaf(text, field: field, query: "match_phrase"), factor) }
        let leaf = try wordLeaf(text, field: field, slop: slop)
        if leaf == .matchNone { return zeroAll ? .matchAll : .matchNone }
        return Self.boosted(leaf, factor)
    }

    /// A field list entry `name` or `name^2`, with wildcards expanded over the text fields.
    private func fieldsWithBoosts(_ json: JSON, of query: String) throws(OpenSearchError) -> [(String, Double)] {
        let entries: [JSON]
        if let s = json.stringValue { entries = [.string(s)] } else if let a = json.arrayElements { entries = a } else {
            throw Self.parsing("[\(query)] [fields] must be a string or an array of strings")
        }
        var out: [(String, Double)] = []
        for entry in entries {
            guard let s = entry.stringValue else { throw Self.parsing("[\(query)] [fields] must hold strings, not \(entry.rendered())") }
            var name = s
            var factor = 1.0
            if let caret = s.lastIndex(of: "^") {
                guard let b = Double(s[s.index(after: caret)...]), b.isFinite, b >= 0 else {
                    throw Self.parsing("[\(query)] [fields] `\(s)` has a malformed boost")
                }
                name = String(s[..<caret])
                factor = b
            }
            if name.contains("*") {
                let textFields = parser.fields.union(schema.fields(of: .text)).sorted()
                for field in textFields where OpenSearchSource.matches(field, pattern: name) && !out.contains(where: { $0.0 == field }) {
                    out.append((field, factor))
                }
            } else if !out.contains(where: { $0.0 == name }) {
                out.append((name, factor))
            }
        }
        return out
    }

    private mutating func multiMatch(_ body: JSON) throws(OpenSearchError) -> Query {
        var text: String?
        var fields: [(String, Double)] = []
        var type = "best_fields"
        var options = MatchOptions()
        var slop = 0
        var factor = 1.0
        for (key, value) in try object(body, of: "multi_match") {
            switch key {
            case "query": text = try self.text(value, of: "multi_match", parameter: key)
            case "fields": fields = try fieldsWithBoosts(value, of: "multi_match")
            case "type":
                guard let s = value.stringValue, ["best_fields", "most_fields", "cross_fields", "phrase"].contains(s) else {
                    throw Self.parsing("[multi_match] [type] \(value.rendered()) is not supported (best_fields, most_fields, cross_fields, phrase)")
                }
                type = s
            case "slop":
                slop = max(0, try integer(value, of: "multi_match", parameter: key))
            case "boost": factor = try boost(value, of: "multi_match")
            default:
                if try !matchOption(key, value, into: &options, query: "multi_match") { throw Self.unsupported("multi_match", key) }
            }
        }
        guard let text else { throw Self.parsing("[multi_match] requires [query]") }
        let targets: [(String?, Double)] = fields.isEmpty ? [(nil, 1)] : fields.map { ($0.0, $0.1) }
        var perField: [Query] = []
        switch type {
        case "phrase":
            for (field, boost) in targets {
                if let field, fieldType(field) != .text { continue }
                perField.append(Self.boosted(try wordLeaf(text, field: field, slop: slop), boost))
            }
            return Self.boosted(try Self.combine(must: [], should: perField, mustNot: [], minimumShould: 1), factor)
        case "cross_fields":
            // Term-centric: each word on any of the fields; the operator joins the words.
            var words: [Query] = []
            for word in text.split(whereSeparator: { $0.isWhitespace }) {
                var alternatives: [Query] = []
                for (field, boost) in targets {
                    if let field, fieldType(field) == nil { continue }
                    let leaves = try matchLeaves(String(word), field: field, options: options, query: "multi_match")
                    if let leaf = leaves.first { alternatives.append(Self.boosted(leaf, boost)) }
                }
                if !alternatives.isEmpty { words.append(try Self.combine(must: [], should: alternatives, mustNot: [], minimumShould: 1)) }
            }
            if words.isEmpty { return options.zeroTermsAll ? .matchAll : .matchNone }
            if options.and { return Self.boosted(try Self.combine(must: words, should: [], mustNot: [], minimumShould: 0), factor) }
            let required = try options.minimumShouldMatch.map { (m: JSON) throws(OpenSearchError) -> Int in
                try Self.minimumShouldMatch(m, count: words.count, query: "multi_match")
            } ?? 1
            return Self.boosted(try Self.combine(must: [], should: words, mustNot: [], minimumShould: max(1, required)), factor)
        default:
            for (field, boost) in targets {
                perField.append(Self.boosted(try matchQuery(text, field: field, options: options, query: "multi_match"), boost))
            }
            return Self.boosted(try Self.combine(must: [], should: perField, mustNot: [], minimumShould: 1), factor)
        }
    }

    private mutating func queryString(_ body: JSON) throws(OpenSearchError) -> Query {
        var text: String?
        var defaultField: String?
        var fields: [(String, Double)]?
        var qsParser = parser
        qsParser.defaultOperator = .or
        qsParser.lenient = false
        var factor = 1.0
        for (key, value) in try object(body, of: "query_string") {
            switch key {
            case "query": text = try self.text(value, of: "query_string", parameter: key)
            case "default_field":
                guard let s = value.stringValue else { throw Self.parsing("[query_string] [default_field] must be a string") }
                defaultField = s
            case "fields": fields = try fieldsWithBoosts(value, of: "query_string")
            case "default_operator":
                guard let s = value.stringValue?.lowercased(), let op = QueryParser.Operator(rawValue: s) else {
                    throw Self.parsing("[query_string] [default_operator] must be AND or OR, not \(value.rendered())")
                }
                qsParser.defaultOperator = op
            case "lenient": qsParser.lenient = try bool(value, of: "query_string", parameter: key)
            case "boost": factor = try boost(value, of: "query_string")
            case "fuzzy_prefix_length": qsParser.fuzzyPrefixLength = max(0, try integer(value, of: "query_string", parameter: key))
            case "fuzzy_max_expansions": qsParser.fuzzyMaxExpansions = max(1, min(Self.maximumExpansions, try integer(value, of: "query_string", parameter: key)))
            case "time_zone":
                guard let s = value.stringValue, ["UTC", "Z", "+00:00", "Etc/UTC", "GMT"].contains(s) else {
                    throw Self.parsing("[query_string] [time_zone] \(value.rendered()) is not supported: Trawl's dates are UTC")
                }
            case "phrase_slop":
                guard try integer(value, of: "query_string", parameter: key) == 0 else {
                    throw Self.parsing("[query_string] [phrase_slop] is not supported: write the slop in the query (\"a b\"~2)")
                }
            case "type":
                guard let s = value.stringValue, ["best_fields", "most_fields", "cross_fields"].contains(s) else {
                    throw Self.parsing("[query_string] [type] \(value.rendered()) is not supported")
                }
            case "analyze_wildcard", "allow_leading_wildcard", "auto_generate_synonyms_phrase_query", "escape",
                 "max_determinized_states", "enable_position_increments", "tie_breaker", "_name", "fuzzy_transpositions":
                break
            default: throw Self.unsupported("query_string", key)
            }
        }
        guard let text else { throw Self.parsing("[query_string] must be provided with a [query]") }
        // Lucene reads a lone `*` as every document and an empty query as none.
        let trimmed = text.trimmingSpaces
        if trimmed == "*" || trimmed == "*:*" { return Self.boosted(.matchAll, factor) }
        if trimmed.isEmpty { return .matchNone }
        var query: Query
        do throws(QuerySyntaxError) {
            query = try qsParser.parse(text)
        } catch {
            throw Self.syntaxError(error, query: text)
        }
        var targets: [(String, Double)]?
        if let fields { targets = fields } else if let defaultField, defaultField != "*" { targets = [(defaultField, 1)] }
        if let targets {
            let isDefault = Set(targets.map(\.0)) == [IndexSchema.titleField, IndexSchema.bodyField] && targets.allSatisfy { $0.1 == 1 }
            if !isDefault && !(targets.count == 1 && targets[0].0 == "*") {
                for (field, _) in targets {
                    if let type = fieldType(field), type != .text && type != .keyword {
                        throw Self.illegal("[query_string] the default field [\(field)] must be a text or keyword field, not \(type)")
                    }
                }
                query = retarget(query, to: targets.filter { fieldType($0.0) != nil })
            }
        }
        try count(1)
        return Self.boosted(query, factor)
    }

    /// A query-string syntax error as OpenSearch's `query_shard_exception`, with the column.
    static func syntaxError(_ error: QuerySyntaxError, query: String) -> OpenSearchError {
        OpenSearchError(status: 400, type: "query_shard_exception",
                        reason: "Failed to parse query [\(query)]: \(error.message) (at column \(error.column))")
    }

    /// `query` with every default-field leaf searching `targets` instead (an OR over them,
    /// each with its boost), re-analyzed for each field.
    func retarget(_ query: Query, to targets: [(String, Double)]) -> Query {
        func alternatives(_ make: (String) -> Query?) -> Query {
            var out: [Query] = []
            for (field, factor) in targets {
                if let q = make(field), q != .matchNone { out.append(Self.boosted(q, factor)) }
            }
            if out.isEmpty { return .matchNone }
            return out.count == 1 ? out[0] : .boolean(Query.Boolean(should: out))
        }
        switch query {
        case .term(let t) where t.field == nil:
            return alternatives { QueryParser.wordQuery(t.text, field: $0, slop: 0, analyzer: parser.analyzer(for: $0)) }
        case .phrase(let p) where p.field == nil:
            return alternatives { QueryParser.wordQuery(p.text, field: $0, slop: p.slop, analyzer: parser.analyzer(for: $0)) }
        case .prefix(let p) where p.field == nil:
            return alternatives { .prefix(Query.Prefix(field: $0, text: p.text, prefix: parser.analyzer(for: $0).foldPrefix(p.text), column: p.column)) }
        case .fuzzy(let f) where f.field == nil:
            return alternatives { field in
                guard case .term(let t)? = QueryParser.wordQuery(f.text, field: field, slop: 0, analyzer: parser.analyzer(for: field)) else { return nil }
                var fuzzy = f
                fuzzy.field = field
                fuzzy.term = t.term
                return .fuzzy(fuzzy)
            }
        case .boolean(let b):
            func map(_ list: [Query]) -> [Query] { list.map { retarget($0, to: targets) } }
            let must = map(b.must), should = map(b.should), mustNot = map(b.mustNot)
            if must.contains(.matchNone) { return .matchNone }
            let keptShould = should.filter { $0 != .matchNone }
            let keptNot = mustNot.filter { $0 != .matchNone }
            if must.isEmpty && keptShould.isEmpty { return keptNot.isEmpty || !b.should.isEmpty ? .matchNone : .boolean(Query.Boolean(must: [.matchAll], mustNot: keptNot)) }
            return .boolean(Query.Boolean(must: must, should: keptShould, mustNot: keptNot))
        case .boost(let inner, let factor):
            let mapped = retarget(inner, to: targets)
            return mapped == .matchNone ? .matchNone : .boost(mapped, factor)
        default:
            return query
        }
    }

    private mutating func term(_ body: JSON) throws(OpenSearchError) -> Query {
        let (field, value, options) = try fieldClause(body, of: "term", valueKey: "value")
        var factor = 1.0
        for (key, item) in options {
            switch key {
            case "boost": factor = try boost(item, of: "term")
            case "case_insensitive", "_name": break
            default: throw Self.unsupported("term", key)
            }
        }
        let text = try self.text(value, of: "term", parameter: "value")
        return Self.boosted(try termLeaf(text, field: field, query: "term"), factor)
    }

    /// One exact value on a field: a whole keyword, bool, number or date value; on a text
    /// field, the value analyzed (Trawl keeps no unanalyzed form of text).
    private mutating func termLeaf(_ text: String, field: String, query: String) throws(OpenSearchError) -> Query {
        guard let type = fieldType(field) else { return .matchNone }
        if type == .text { return try wordLeaf(text, field: field) }
        if type == .date {
            // A date (any precision, date math or epoch milliseconds) is the range of itself.
            let bound: JSON = text.count > 8 && Int64(text) != nil ? .int(Int(text) ?? 0) : .string(text)
            return try range(.object([(field, .object([("gte", bound), ("lte", bound)]))]))
        }
        return try valueLeaf(text, field: field, query: query)
    }

    private mutating func terms(_ body: JSON) throws(OpenSearchError) -> Query {
        var field: String?
        var values: [JSON] = []
        var factor = 1.0
        for (key, item) in try object(body, of: "terms") {
            switch key {
            case "boost": factor = try boost(item, of: "terms")
            case "_name", "value_type": break
            default:
                guard field == nil else { throw Self.parsing("[terms] query does not support multiple fields") }
                guard let list = item.arrayElements else {
                    throw Self.parsing("[terms] query on [\(key)] needs an array of values (terms lookup is not supported)")
                }
                field = key
                values = list
            }
        }
        guard let field else { throw Self.parsing("[terms] query needs a field") }
        var leaves: [Query] = []
        for value in values {
            leaves.append(try termLeaf(try text(value, of: "terms", parameter: field), field: field, query: "terms"))
        }
        return Self.boosted(try Self.combine(must: [], should: leaves, mustNot: [], minimumShould: 1), factor)
    }

    private mutating func range(_ body: JSON) throws(OpenSearchError) -> Query {
        let members = try object(body, of: "range")
        var field: String?
        var options: [(String, JSON)] = []
        var factor = 1.0
        for (key, item) in members {
            if key == "boost" { factor = try boost(item, of: "range"); continue }
            if key == "_name" { continue }
            guard field == nil else { throw Self.parsing("[range] query doesn't support multiple fields, found [\(field!)] and [\(key)]") }
            guard let inner = item.objectMembers else { throw Self.parsing("[range] query on [\(key)] needs an object of bounds") }
            field = key
            options = inner
        }
        guard let field else { throw Self.parsing("[range] query needs a field") }
        var lower: JSON?, upper: JSON?
        var lowerInclusive = true, upperInclusive = true
        for (key, item) in options {
            switch key {
            case "gte": lower = item; lowerInclusive = true
            case "gt": lower = item; lowerInclusive = false
            case "lte": upper = item; upperInclusive = true
            case "lt": upper = item; upperInclusive = false
            case "from": lower = item
            case "to": upper = item
            case "include_lower": lowerInclusive = try bool(item, of: "range", parameter: key)
            case "include_upper": upperInclusive = try bool(item, of: "range", parameter: key)
            case "boost": factor = try boost(item, of: "range")
            case "format":
                guard let s = item.stringValue, s.split(separator: "|").allSatisfy({ Self.dateFormats.contains(String($0)) }) else {
                    throw Self.parsing("[range] [format] \(item.rendered()) is not supported (Trawl reads ISO 8601 dates, date math and epoch_millis)")
                }
            case "time_zone":
                guard let s = item.stringValue, ["UTC", "Z", "+00:00", "Etc/UTC", "GMT"].contains(s) else {
                    throw Self.parsing("[range] [time_zone] \(item.rendered()) is not supported: Trawl's dates are UTC")
                }
            case "relation":
                guard item.stringValue?.uppercased() == "INTERSECTS" else { throw Self.parsing("[range] [relation] other than INTERSECTS is not supported") }
            default: throw Self.unsupported("range", key)
            }
        }
        if lower == .null { lower = nil }
        if upper == .null { upper = nil }
        guard let type = fieldType(field) else { return .matchNone }
        try count()
        switch type {
        case .number:
            let lo = try lower.map { (v: JSON) throws(OpenSearchError) -> Double in try number(v, of: "range", parameter: field) }
            let hi = try upper.map { (v: JSON) throws(OpenSearchError) -> Double in try number(v, of: "range", parameter: field) }
            return Self.boosted(.numberRange(Query.NumberRange(field: field, lower: lo, lowerInclusive: lowerInclusive,
                                                               upper: hi, upperInclusive: upperInclusive)), factor)
        case .date:
            func bound(_ value: JSON?) throws(OpenSearchError) -> String {
                guard let value else { return "*" }
                if let millis = value.intValue {
                    let seconds = Int64(millis >= 0 ? millis / 1000 : (millis - 999) / 1000)
                    return DocumentDate(secondsSinceEpoch: seconds).description
                }
                guard let s = value.stringValue, !s.isEmpty else { throw Self.parsing("[range] a date bound must be a string or epoch milliseconds, not \(value.rendered())") }
                if let millis = Int64(s), s.count > 8 {
                    return DocumentDate(secondsSinceEpoch: millis >= 0 ? millis / 1000 : (millis - 999) / 1000).description
                }
                return s
            }
            let expression = (lowerInclusive ? "[" : "{") + (try bound(lower)) + " TO " + (try bound(upper)) + (upperInclusive ? "]" : "}")
            do throws(QuerySyntaxError) {
                let q = try Query.date(expression, field: field, now: parser.clock())
                return Self.boosted(q, factor)
            } catch {
                if error.kind == .invertedRange { return .matchNone }
                throw Self.parsing("[range] failed to read the dates of [\(field)]: \(error.message)")
            }
        case .text, .keyword, .bool:
            throw Self.illegal("[range] queries on the \(type) field [\(field)] are not supported: ranges work on date and number fields")
        }
    }

    /// Date formats a `range` may name: Trawl reads all of them the same way.
    static let dateFormats: Set<String> = [
        "strict_date_optional_time", "date_optional_time", "strict_date_optional_time_nanos", "epoch_millis",
        "epoch_second", "strict_date", "date", "yyyy-MM-dd", "yyyy", "yyyy-MM", "strict_year", "strict_year_month",
        "year", "year_month", "strict_date_time", "date_time", "strict_date_time_no_millis", "date_time_no_millis",
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssZ", "yyyy-MM-dd'T'HH:mm:ss.SSSZ", "yyyy-MM-dd HH:mm:ss",
    ]

    private mutating func prefix(_ body: JSON) throws(OpenSearchError) -> Query {
        let (field, value, options) = try fieldClause(body, of: "prefix", valueKey: "value")
        var factor = 1.0
        for (key, item) in options {
            switch key {
            case "boost": factor = try boost(item, of: "prefix")
            case "case_insensitive", "rewrite", "_name": break
            default: throw Self.unsupported("prefix", key)
            }
        }
        let text = try self.text(value, of: "prefix", parameter: "value")
        guard let type = fieldType(field) else { return .matchNone }
        guard type == .text || type == .keyword else {
            throw Self.illegal("[prefix] queries on the \(type) field [\(field)] are not supported: prefixes work on text and keyword fields")
        }
        let folded = parser.analyzer(for: field).foldPrefix(text)
        guard !folded.isEmpty else { throw Self.illegal("[prefix] the prefix [\(text)] is empty once folded") }
        try count()
        return Self.boosted(.prefix(Query.Prefix(field: field, text: text, prefix: folded)), factor)
    }

    private mutating func exists(_ body: JSON) throws(OpenSearchError) -> Query {
        var field: String?
        var factor = 1.0
        for (key, value) in try object(body, of: "exists") {
            switch key {
            case "field":
                guard let s = value.stringValue else { throw Self.parsing("[exists] [field] must be a string") }
                field = s
            case "boost": factor = try boost(value, of: "exists")
            case "_name": break
            default: throw Self.unsupported("exists", key)
            }
        }
        guard let field else { throw Self.parsing("[exists] must be provided with a [field]") }
        guard fieldType(field) != nil else { return .matchNone }
        try count()
        return Self.boosted(.exists(Query.Exists(field: field)), factor)
    }
}
