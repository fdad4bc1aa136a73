// Shared by SearchDifferentialTests and the SearchExecutorFuzz libFuzzer target (Fuzz/build.sh
// compiles this file and BruteForceSearch.swift into it): no test framework here.
import Foundation
@testable import Trawl

/// Random draws for the differential search check: from a seed (the tests) or from a fuzzer's
/// input bytes, which are read first and then extended by a generator seeded from them.
struct DifferentialRandom {
    private var generator: SeededGenerator
    private let bytes: [UInt8]
    private var at = 0

    /// Draws from a seeded generator.
    init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
        bytes = []
    }

    /// Draws from `bytes`, then from a generator seeded with their hash.
    init(bytes: [UInt8]) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        generator = SeededGenerator(seed: hash)
        self.bytes = bytes
    }

    /// A number in `0..<n` (`n` > 0).
    mutating func below(_ n: Int) -> Int {
        if at < bytes.count {
            defer { at += 1 }
            return Int(bytes[at]) % n
        }
        return Int(generator.next() % UInt64(n))
    }

    /// True `percent` times in a hundred.
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
}

/// A query as the differential check builds it: a tree it can render as query text and shrink.
indirect enum DifferentialQuery: Sendable, CustomStringConvertible {
    /// A word, phrase, prefix, date clause or `*:*`, as written.
    case leaf(String)
    /// A prefix operator or field scope (`+`, `-`, `NOT `, `!`, `title:`) before a clause.
    case prefixed(String, DifferentialQuery)
    /// A boost (`^2`) after a clause.
    case boosted(DifferentialQuery, String)
    /// Clauses joined by operators (`joiners.count == clauses.count - 1`), in parentheses
    /// unless at the top.
    case group([DifferentialQuery], joiners: [String])

    var description: String { render(top: true) }

    func render(top: Bool) -> String {
        switch self {
        case .leaf(let text): return text
        case .prefixed(let op, let inner): return op + inner.render(top: false)
        case .boosted(let inner, let boost):
            if case .group = inner { return inner.render(top: false) + boost }
            if case .prefixed = inner { return "(" + inner.render(top: false) + ")" + boost }
            return inner.render(top: false) + boost
        case .group(let clauses, let joiners):
            var text = clauses[0].render(top: false)
            for (joiner, clause) in zip(joiners, clauses.dropFirst()) { text += joiner + clause.render(top: false) }
            return top ? text : "(" + text + ")"
        }
    }

    /// Smaller queries, for shrinking a failure: each child alone, each clause removed, each
    /// operator dropped.
    var reductions: [DifferentialQuery] {
        switch self {
        case .leaf: return []
        case .prefixed(let op, let inner):
            return [inner] + inner.reductions.map { .prefixed(op, $0) }
        case .boosted(let inner, let boost):
            return [inner] + inner.reductions.map { .boosted($0, boost) }
        case .group(let clauses, let joiners):
            var result: [DifferentialQuery] = clauses
            if clauses.count > 1 {
                for i in clauses.indices {
                    var c = clauses, j = joiners
                    c.remove(at: i)
                    j.remove(at: max(0, i - 1))
                    result.append(c.count == 1 ? c[0] : .group(c, joiners: j))
                }
            }
            for i in clauses.indices {
                for smaller in clauses[i].reductions {
                    var c = clauses
                    c[i] = smaller
                    result.append(.group(c, joiners: joiners))
                }
            }
            return result
        }
    }

    /// How many nodes the tree has (shrinking prefers fewer).
    var size: Int {
        switch self {
        case .leaf: return 1
        case .prefixed(_, let inner), .boosted(let inner, _): return 1 + inner.size
        case .group(let clauses, _): return 1 + clauses.reduce(0) { $0 + $1.size }
        }
    }
}

/// The differential check of the search executor: random small corpora built through several
/// commits with deletions and replacements, random query trees from the whole query language,
/// and every answer compared with ``BruteForceSearch`` — the exact hit set and total, every
/// score, the pruned top k against the exhaustive one, paging, date sorting and explanations.
enum SearchDifferential {
    /// A step that builds the corpus.
    enum Step: Sendable, CustomStringConvertible {
        case add(Document)
        case delete(String)
        case commit
        case optimize

        var description: String {
            switch self {
            case .add(let d):
                var text = "add \(d.id) title: \(quoted(d.title)) body: \(quoted(d.body))"
                if let date = d.date { text += " date: \(date)" }
                for (name, value) in d.fields.sorted(by: { $0.key < $1.key }) { text += " \(name): \(quoted(value.description))" }
                return text
            case .delete(let id): return "delete \(id)"
            case .commit: return "commit"
            case .optimize: return "optimize"
            }
        }

        private func quoted(_ text: String) -> String { "\"" + text + "\"" }
    }

    /// One query of a case: its tree and the parser's default operator.
    struct QueryCase: Sendable, CustomStringConvertible {
        var query: DifferentialQuery
        var defaultOr: Bool
        /// Draws for the paging and sorting checks.
        var offset: Int
        var pageSize: Int
        /// Whether the requests ask for the term-proximity bonus (``SearchRequest/proximity``).
        var proximity = false

        var description: String {
            "`\(query)`" + (defaultOr ? " (default operator OR)" : "") + (proximity ? " (term proximity)" : "")
        }
    }

    /// A difference found, with everything needed to reproduce it.
    struct Failure: Error, CustomStringConvertible {
        var steps: [Step]
        var query: QueryCase
        var problem: String

        var description: String {
            "query \(query)\nproblem: \(problem)\ncorpus (\(steps.count) steps):\n"
                + steps.map { "  \($0)" }.joined(separator: "\n")
        }
    }

    /// Words that co-occur often; some share a stem (`price`/`prices`), some a prefix (`tank`/`tanker`);
    /// `the` and `what` are free-text stop words (``SearchRequest/freeTextStopWords``).
    static let vocabulary = ["oil", "crude", "price", "prices", "ship", "shipping", "grain", "tank", "tanker", "the", "what"]
    static let authors = ["smith", "jones", "oil smith", "Grain Jones"]
    static let firstDay: Int64 = 1_577_836_800 // 2020-01-01

    // MARK: Corpora

    /// A random corpus: 1–24 documents over several commits, with replaced ids, deletions and
    /// sometimes a full merge.
    static func corpus(_ random: inout DifferentialRandom) -> [Step] {
        var steps: [Step] = []
        var ids: [String] = []
        let count = 1 + random.below(24)
        func words(_ most: Int) -> String {
            (0..<random.below(most + 1)).map { _ in
                let word = random.pick(vocabulary)
                return random.chance(10) ? word.capitalized : word
            }.joined(separator: " ")
        }
        for i in 0..<count {
            let id = !ids.isEmpty && random.chance(10) ? random.pick(ids) : "d\(i)"
            if !ids.contains(id) { ids.append(id) }
            let date = random.chance(70)
                ? DocumentDate(secondsSinceEpoch: firstDay + Int64(random.below(366)) * 86_400, precision: .day) : nil
            let fields: [String: FieldValue] = random.chance(25) ? ["byline": .string(random.pick(authors))] : [:]
            steps.append(.add(Document(id: id, title: words(4), date: date, body: words(14), fields: fields)))
            if random.chance(15) { steps.append(.commit) }
            if random.chance(10) { steps.append(.delete(random.pick(ids))) }
        }
        steps.append(.commit)
        if random.chance(10) {
            steps.append(.optimize)
            if random.chance(50) {
                steps.append(.delete(random.pick(ids)))
                steps.append(.commit)
            }
        }
        return steps
    }

    /// Builds the corpus in memory.
    static func build(_ steps: [Step]) throws -> IndexReader {
        let directory = MemoryDirectory()
        var options = IndexWriterOptions()
        options.durable = false
        options.threads = 1
        let writer = try IndexWriter(directory: directory, lock: nil, options: options)
        for step in steps {
            switch step {
            case .add(let document): try writer.add(document)
            case .delete(let id): _ = try writer.delete(id: id)
            case .commit: try writer.commit()
            case .optimize: try writer.optimize()
            }
        }
        try writer.commit()
        writer.close()
        return try IndexReader(directory: directory)
    }

    /// The documents the steps leave live, by id.
    static func expectedLive(_ steps: [Step]) -> [String: Document] {
        var live: [String: Document] = [:]
        for step in steps {
            switch step {
            case .add(let document): live[document.id] = document
            case .delete(let id): live[id] = nil
            case .commit, .optimize: break
            }
        }
        return live
    }

    /// The reference over what the index physically holds, in index order (its segments and
    /// their documents, deleted ones included: they still count in the statistics).
    static func reference(_ reader: IndexReader) throws -> BruteForceSearch {
        var physical: [(document: Document, live: Bool)] = []
        for segment in reader.segments {
            for local in 0..<segment.documentCount {
                let stored = StoredFields(try segment.store.document(local))
                physical.append((Document(id: stored.id, title: stored.title, date: stored.date, body: stored.body,
                                          fields: stored.fields), segment.isLive(local)))
            }
        }
        return BruteForceSearch(physical: physical, analyzer: reader.analyzer)
    }

    // MARK: Queries

    static func leaf(_ random: inout DifferentialRandom) -> DifferentialQuery {
        func word() -> String {
            let w = random.pick(vocabulary)
            return random.chance(10) ? w.uppercased() : w
        }
        switch random.below(20) {
        case 0..<8:
            return .leaf(word())
        case 8..<13:
            let length = 2 + (random.chance(25) ? 1 : 0)
            let words = (0..<length).map { _ in random.chance(15) ? "oil" : word() }
            let slop = random.chance(40) ? "~\(1 + random.below(3))" : ""
            return .leaf("\"" + words.joined(separator: " ") + "\"" + slop)
        case 13..<16:
            let w = random.pick(vocabulary)
            return .leaf(String(w.prefix(2 + random.below(max(1, w.count - 1)))) + "*")
        case 16..<19:
            let month = 1 + random.below(12)
            let day = 1 + random.below(28)
            let date = "2020-" + (month < 10 ? "0" : "") + "\(month)-" + (day < 10 ? "0" : "") + "\(day)"
            switch random.below(4) {
            case 0: return .leaf("date:2020-" + (month < 10 ? "0" : "") + "\(month)")
            case 1: return .leaf("date:>=" + date)
            case 2: return .leaf("date:<" + date)
            default:
                let end = min(12, month + random.below(4))
                return .leaf("date:[" + date + " TO 2020-" + (end < 10 ? "0" : "") + "\(end)-28]")
            }
        default:
            return .leaf("*:*")
        }
    }

    /// A random query tree of at most `depth` levels of groups.
    static func query(_ random: inout DifferentialRandom, depth: Int) -> DifferentialQuery {
        var node: DifferentialQuery
        if depth > 0 && random.chance(45) {
            let count = 2 + random.below(3)
            var clauses: [DifferentialQuery] = []
            var joiners: [String] = []
            for i in 0..<count {
                clauses.append(query(&random, depth: depth - 1))
                if i > 0 { joiners.append(random.pick([" ", " ", " AND ", " OR ", " OR ", " && ", " || "])) }
            }
            node = .group(clauses, joiners: joiners)
        } else {
            node = leaf(&random)
        }
        if case .leaf(let text) = node, text.hasPrefix("date:") || text == "*:*" {
            // No field scope on a date clause or on every document.
        } else if random.chance(15) {
            node = .prefixed(random.pick(["title:", "body:", "byline:"]), node)
        }
        if random.chance(10) { node = .boosted(node, random.pick(["^2", "^0.5", "^3", "^0"])) }
        if random.chance(25) { node = .prefixed(random.pick(["+", "-", "NOT ", "!", "-"]), node) }
        return node
    }

    static func queryCase(_ random: inout DifferentialRandom) -> QueryCase {
        var queryCase = QueryCase(query: query(&random, depth: 3), defaultOr: random.chance(30),
                                  offset: random.below(6), pageSize: 1 + random.below(4))
        queryCase.proximity = random.chance(50)
        return queryCase
    }

    // MARK: The check

    /// Scores agree when within this relative tolerance (the engine sums in Float).
    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-4 * max(1, abs(b)) }

    /// Checks one query against the reference; throws a ``Failure``-ready problem description.
    static func check(_ queryCase: QueryCase, reader: IndexReader, reference plainReference: BruteForceSearch) throws -> String? {
        var reference = plainReference
        let proximity: TermProximity? = queryCase.proximity ? TermProximity(weight: 0.5, window: 4) : nil
        reference.proximity = proximity
        /// A request of this case (with its proximity setting).
        func makeRequest(_ query: Query, limit: Int, offset: Int = 0, sort: SearchSort = .relevance,
                     countTotal: Bool = false) -> SearchRequest {
            var request = SearchRequest(query: query, limit: limit, offset: offset, sort: sort, countTotal: countTotal)
            request.proximity = proximity
            return request
        }
        // `byline:` (a text field) is known even when no document has it (it then matches nothing).
        var parser = QueryParser(analyzer: reader.analyzer, fields: Array(Set(reader.fieldNames + ["byline"])).sorted())
        parser.defaultOperator = queryCase.defaultOr ? .or : .and
        let text = queryCase.query.description
        let query: Query
        do {
            query = try parser.parse(text)
        } catch {
            return "the query does not parse: \(error)"
        }
        let expected = reference.matches(query)
        let liveCount = reference.docs.filter(\.live).count

        // The exact hit set, every score and the total (exhaustive, with snippets).
        let exhaustive: SearchResults
        do {
            exhaustive = try reader.search(makeRequest(query, limit: liveCount + 1, countTotal: true))
        } catch {
            return "search failed: \(error)"
        }
        if exhaustive.total != expected.count || exhaustive.totalRelation != .equalTo {
            return "exact total \(exhaustive.total) (\(exhaustive.totalRelation.rawValue)), expected \(expected.count)"
        }
        let expectedScores = Dictionary(uniqueKeysWithValues: expected.map { ($0.id, $0.score) })
        let gotIDs = Set(exhaustive.hits.map(\.id))
        if gotIDs != Set(expectedScores.keys) {
            let extra = gotIDs.subtracting(expectedScores.keys).sorted()
            let missing = Set(expectedScores.keys).subtracting(gotIDs).sorted()
            return "hit set differs: unexpected \(extra), missing \(missing)"
        }
        for hit in exhaustive.hits {
            let want = expectedScores[hit.id]!
            if !close(Double(hit.score), want) { return "score of \(hit.id) is \(hit.score), expected \(want)" }
        }
        // Best first, ties by document order.
        let numbers = Dictionary(uniqueKeysWithValues: expected.map { ($0.id, $0.number) })
        for (a, b) in zip(exhaustive.hits, exhaustive.hits.dropFirst()) {
            if a.score < b.score || (a.score == b.score && numbers[a.id]! > numbers[b.id]!) {
                return "hits out of order: \(a.id) (\(a.score)) before \(b.id) (\(b.score))"
            }
        }

        // Pruned top k (pure top-k: pruning from the first full heap on): the exhaustive top k
        // (documents may differ only where scores tie).
        for k in [1, 3, 10, 100] {
            var request = makeRequest(query, limit: k)
            request.snippets = false
            request.loadStoredFields = k != 3
            request.totalHitsThreshold = 0
            let pruned = try reader.search(request)
            if let problem = samePage(pruned.hits, Array(exhaustive.hits.prefix(k)), what: "pruned top \(k)") { return problem }
            if pruned.total > expected.count || pruned.total < pruned.hits.count {
                return "pruned top \(k): total \(pruned.total) outside \(pruned.hits.count)...\(expected.count)"
            }
            if pruned.totalRelation == .equalTo && pruned.total != expected.count {
                return "pruned top \(k): total \(pruned.total) reported exact, \(expected.count) match"
            }
        }

        // The scorer contracts, checked between every parent and child of the tree
        // (AssertingScorer): exhaustive, pruned and date-sorted, with the same results as unwrapped.
        let contractCases: [(what: String, limit: Int, countTotal: Bool, sort: SearchSort)] = [
            ("exhaustive", liveCount + 1, true, .relevance), ("pruned top 3", 3, false, .relevance),
            ("pruned top 10", 10, false, .relevance), ("newest 5", 5, false, .dateDescending),
        ]
        for contractCase in contractCases {
            var request = makeRequest(query, limit: contractCase.limit, sort: contractCase.sort,
                                      countTotal: contractCase.countTotal)
            request.snippets = false
            request.totalHitsThreshold = 0
            let plain = try reader.search(request)
            let log = ScorerContractLog()
            request.scorerWrapper = { AssertingScorer($0, log: log) }
            let asserted = try reader.search(request)
            if let violation = log.violations.first { return "scorer contract broken (\(contractCase.what)): \(violation)" }
            // Exact totals must agree; a lower bound (pruning skipped documents) depends on where
            // the skipped windows fall, so it need only stay a valid bound.
            let totalsAgree = asserted.totalRelation == .equalTo && plain.totalRelation == .equalTo
                ? asserted.total == plain.total
                : asserted.total >= asserted.hits.count && asserted.total <= expected.count
            // Scores may differ in the last bit (the wrappers can change the order in which a
            // block-max loop adds clause scores); documents only where scores tie.
            if let problem = samePage(asserted.hits, plain.hits, what: "\(contractCase.what) with asserting scorers") { return problem }
            if !totalsAgree {
                return "\(contractCase.what): total \(asserted.total) (\(asserted.totalRelation.rawValue)) with asserting scorers, \(plain.total) (\(plain.totalRelation.rawValue)) without"
            }
        }

        // Counting up to a threshold: exact totals below it, the threshold as a lower bound above.
        let countThreshold = queryCase.offset
        var thresholdRequest = makeRequest(query, limit: queryCase.pageSize)
        thresholdRequest.totalHitsThreshold = countThreshold
        thresholdRequest.snippets = false
        let thresholded = try reader.search(thresholdRequest)
        if let problem = samePage(thresholded.hits, Array(exhaustive.hits.prefix(queryCase.pageSize)),
                                  what: "top \(queryCase.pageSize) counting up to \(countThreshold)") { return problem }
        if expected.count <= countThreshold && (thresholded.totalRelation != .equalTo || thresholded.total != expected.count) {
            return "counting up to \(countThreshold): total \(thresholded.total) (\(thresholded.totalRelation.rawValue)), \(expected.count) match"
        }
        if thresholded.totalRelation == .equalTo ? thresholded.total != expected.count
            : (countThreshold > 0 && thresholded.total != max(countThreshold, thresholded.hits.count)) || thresholded.total > expected.count {
            return "counting up to \(countThreshold): total \(thresholded.total) (\(thresholded.totalRelation.rawValue)), \(expected.count) match"
        }

        // Paging: a page at an offset is that slice of the full ranking, pruned or not.
        for countTotal in [false, true] {
            var request = makeRequest(query, limit: queryCase.pageSize, offset: queryCase.offset, countTotal: countTotal)
            request.snippets = countTotal
            let page = try reader.search(request)
            let slice = Array(exhaustive.hits.dropFirst(queryCase.offset).prefix(queryCase.pageSize))
            if let problem = samePage(page.hits, slice, what: "page at offset \(queryCase.offset)") { return problem }
            if countTotal && page.total != expected.count { return "page at offset \(queryCase.offset): total \(page.total), expected \(expected.count)" }
        }

        // Sorted by date, both ways, paged.
        for descending in [false, true] {
            let sort: SearchSort = descending ? .dateDescending : .dateAscending
            let engineScores = Dictionary(exhaustive.hits.map { ($0.id, Double($0.score)) }, uniquingKeysWith: { a, _ in a })
            let want = reference.dateSorted(query, descending: descending, tieScores: engineScores)
            let page = try reader.search(makeRequest(query, limit: queryCase.pageSize + 2, offset: queryCase.offset, sort: sort))
            let wantIDs = want.dropFirst(queryCase.offset).prefix(queryCase.pageSize + 2).map(\.id)
            if page.hits.map(\.id) != Array(wantIDs) {
                return "sorted by \(sort.rawValue) at offset \(queryCase.offset): \(page.hits.map(\.id)), expected \(Array(wantIDs))"
            }
            if page.total != expected.count { return "sorted by \(sort.rawValue): total \(page.total), expected \(expected.count)" }
            for hit in page.hits where !close(Double(hit.score), expectedScores[hit.id] ?? .nan) {
                return "sorted by \(sort.rawValue): score of \(hit.id) is \(hit.score), expected \(expectedScores[hit.id] ?? .nan)"
            }
        }

        // Explain agrees with the score (a few matches, and one live document that does not match).
        for hit in exhaustive.hits.prefix(4) {
            guard let explanation = try reader.explain(query, id: hit.id, proximity: proximity) else { return "explain found no document \(hit.id)" }
            if !close(Double(explanation.value), Double(hit.score)) {
                return "explain of \(hit.id) gives \(explanation.value), the search \(hit.score)"
            }
        }
        if let outside = reference.docs.first(where: { $0.live && expectedScores[$0.id] == nil }),
           let explanation = try reader.explain(query, id: outside.id, proximity: proximity), explanation.value != 0 {
            return "explain of non-matching \(outside.id) gives \(explanation.value)"
        }
        return nil
    }

    /// Compares a page with the expected one: same length, same scores (within tolerance), and
    /// the same documents except where the expected scores tie.
    static func samePage(_ got: [SearchHit], _ want: [SearchHit], what: String) -> String? {
        if got.count != want.count { return "\(what): \(got.count) hits, expected \(want.count)" }
        let scores = Dictionary(want.map { ($0.id, Double($0.score)) }, uniquingKeysWith: { a, _ in a })
        for (g, w) in zip(got, want) {
            if !close(Double(g.score), Double(w.score)) { return "\(what): score \(g.score) of \(g.id), expected \(w.score) of \(w.id)" }
            if g.id != w.id, !(scores[g.id].map { close($0, Double(w.score)) } ?? false) {
                return "\(what): \(g.id) (\(g.score)) where \(w.id) (\(w.score)) was expected"
            }
        }
        return nil
    }

    /// Builds the corpus and checks every query; returns the first difference (not shrunk).
    static func firstFailure(_ steps: [Step], queries: [QueryCase]) -> Failure? {
        let reader: IndexReader
        let reference: BruteForceSearch
        do {
            reader = try build(steps)
            reference = try self.reference(reader)
        } catch {
            return Failure(steps: steps, query: queries.first ?? QueryCase(query: .leaf("*:*"), defaultOr: false, offset: 0, pageSize: 1),
                           problem: "the corpus does not build: \(error)")
        }
        // The index holds exactly the documents the steps leave.
        let live = expectedLive(steps)
        let stored = Set(reference.docs.filter(\.live).map(\.id))
        if stored != Set(live.keys) || reader.documentCount != live.count {
            return Failure(steps: steps, query: queries.first ?? QueryCase(query: .leaf("*:*"), defaultOr: false, offset: 0, pageSize: 1),
                           problem: "live documents \(stored.sorted()), expected \(live.keys.sorted())")
        }
        for queryCase in queries {
            do {
                if let problem = try check(queryCase, reader: reader, reference: reference) {
                    return Failure(steps: steps, query: queryCase, problem: problem)
                }
            } catch {
                return Failure(steps: steps, query: queryCase, problem: "threw \(error)")
            }
        }
        return nil
    }

    /// Shrinks a failure: fewer steps, shorter documents, a smaller query — each change kept
    /// while some difference remains (at most `budget` rebuilds).
    static func shrink(_ failure: Failure, budget: Int = 3_000) -> Failure {
        var best = failure
        var tries = 0
        // Only the same kind of difference counts (an emptied corpus must not pass for the bug).
        func kind(_ problem: String) -> String { problem.split(separator: " ").prefix(2).joined(separator: " ") }
        let wanted = kind(failure.problem)
        func attempt(_ steps: [Step], _ query: QueryCase) -> Bool {
            guard tries < budget else { return false }
            tries += 1
            if let found = firstFailure(steps, queries: [query]), kind(found.problem) == wanted {
                best = found
                return true
            }
            return false
        }
        var progress = true
        while progress && tries < budget {
            progress = false
            // The query first: each reduction, smallest first.
            for smaller in best.query.query.reductions.sorted(by: { $0.size < $1.size }) {
                var q = best.query
                q.query = smaller
                if attempt(best.steps, q) { progress = true; break }
            }
            if progress { continue }
            for flip in [QueryCase(query: best.query.query, defaultOr: false, offset: 0, pageSize: best.query.pageSize,
                                   proximity: best.query.proximity),
                         QueryCase(query: best.query.query, defaultOr: best.query.defaultOr, offset: 0, pageSize: 1,
                                   proximity: best.query.proximity)]
            where flip.defaultOr != best.query.defaultOr || flip.offset != best.query.offset || flip.pageSize != best.query.pageSize {
                if attempt(best.steps, flip) { progress = true; break }
            }
            if progress { continue }
            // Then the corpus: each step removed, then each document made smaller.
            for i in best.steps.indices.reversed() {
                var steps = best.steps
                steps.remove(at: i)
                if attempt(steps, best.query) { progress = true; break }
            }
            if progress { continue }
            outer: for i in best.steps.indices {
                guard case .add(let document) = best.steps[i] else { continue }
                for variant in smaller(document) {
                    var steps = best.steps
                    steps[i] = .add(variant)
                    if attempt(steps, best.query) { progress = true; break outer }
                }
            }
        }
        return best
    }

    /// Smaller versions of a document: a word less in the title or body, no date, no fields.
    static func smaller(_ document: Document) -> [Document] {
        var result: [Document] = []
        if document.date != nil { var d = document; d.date = nil; result.append(d) }
        if !document.fields.isEmpty { var d = document; d.fields = [:]; result.append(d) }
        for keyPath in [\Document.title, \Document.body] {
            let words = document[keyPath: keyPath].split(separator: " ")
            for i in words.indices {
                var d = document
                var w = words
                w.remove(at: i)
                d[keyPath: keyPath] = w.joined(separator: " ")
                result.append(d)
            }
        }
        return result
    }

    /// Generates corpus `index` of a seeded run and its queries.
    static func generate(seed: UInt64, index: Int, queries: Int) -> ([Step], [QueryCase]) {
        var random = DifferentialRandom(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        let steps = corpus(&random)
        return (steps, (0..<queries).map { _ in queryCase(&random) })
    }
}
