/// Character classes of the query lexer (all syntax characters are ASCII).
enum QueryLexing {
    /// Unicode White_Space.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// The byte length of the whitespace character at `i`, or 0.
    @inline(__always)
    static func whitespaceLength(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let c = b[i]
        if c < 0x80 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) ? 1 : 0 }
        let n = b.count
        switch c {
        case 0xC2:
            if i + 1 < n, b[i + 1] == 0x85 || b[i + 1] == 0xA0 { return 2 }
        case 0xE1:
            if i + 2 < n, b[i + 1] == 0x9A, b[i + 2] == 0x80 { return 3 }
        case 0xE2:
            if i + 2 < n {
                let c1 = b[i + 1], c2 = b[i + 2]
                if c1 == 0x80, (c2 >= 0x80 && c2 <= 0x8A) || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF { return 3 }
                if c1 == 0x81, c2 == 0x9F { return 3 }
            }
        case 0xE3:
            if i + 2 < n, b[i + 1] == 0x80, b[i + 2] == 0x80 { return 3 }
        default:
            break
        }
        return 0
    }
}

// ASCII bytes the parser looks at.
private let space: UInt8 = 0x20
private let quote: UInt8 = 0x22
private let ampersand: UInt8 = 0x26
private let openParen: UInt8 = 0x28
private let closeParen: UInt8 = 0x29
private let star: UInt8 = 0x2A
private let plus: UInt8 = 0x2B
private let minus: UInt8 = 0x2D
private let colon: UInt8 = 0x3A
private let lessThan: UInt8 = 0x3C
private let equals: UInt8 = 0x3D
private let greaterThan: UInt8 = 0x3E
private let openBracket: UInt8 = 0x5B
private let backslash: UInt8 = 0x5C
private let closeBracket: UInt8 = 0x5D
private let caret: UInt8 = 0x5E
private let openBrace: UInt8 = 0x7B
private let pipe: UInt8 = 0x7C
private let closeBrace: UInt8 = 0x7D
private let tilde: UInt8 = 0x7E
private let exclamation: UInt8 = 0x21

/// One parse: an iterative parser over the query's UTF-8 bytes.
///
/// Groups are kept on an explicit stack of frames (no recursion on the input). Each frame
/// collects its operands as a list of AND chains separated by OR, with prefix modifiers
/// (`+`, `-`, `!`, `NOT`) attached to operands; a chain becomes a boolean when the frame closes.
struct QueryParseEngine {
    /// Prefix modifiers collected before an operand.
    struct Modifier {
        var negations = 0
        var required = false
        /// The byte ranges of the modifier tokens, for errors and lenient recovery.
        var tokens: [Range<Int>] = []
    }

    /// A clause of a chain: `nil` when its words analyzed to nothing (it drops out).
    struct Operand {
        var query: Query?
        var negated: Bool
        var required: Bool
    }

    /// A binary operator waiting for its right-hand operand.
    struct Pending {
        var isOr: Bool
        var range: Range<Int>
    }

    /// A parenthesized group (or the whole query).
    struct Frame {
        var field: String?
        /// Whether ``field`` holds dates (words are dates).
        var isDate: Bool
        /// Whether ``field`` holds numbers (words are numbers).
        var isNumber = false
        /// The byte offset of the `(`, or −1 for the root.
        var open: Int
        /// The modifiers written before the group, applied when it closes.
        var outerModifier: Modifier?
        var chains: [[Operand]] = []
        var chain: [Operand] = []
        var operandCount = 0
        var lastWasOperand = false
        var pending: Pending?
        var modifier: Modifier?
    }

    let parser: QueryParser
    let text: String
    /// The allocation holding the query's bytes, owned by the engine until ``deallocate()``.
    let storage: UnsafeMutableBufferPointer<UInt8>
    /// The query's UTF-8 bytes (a view of ``storage``).
    let bytes: UnsafeBufferPointer<UInt8>
    let n: Int
    let lenient: Bool
    let dateField: String
    let maximumClauses: Int
    let maximumDepth: Int
    let defaultOperatorIsOr: Bool
    let bareWordAnalyzer: any QueryAnalyzing
    let hasFieldAnalyzers: Bool
    var i = 0
    /// The innermost open group (the whole query at first). Kept out of ``parents`` so that
    /// updates touch one stored property instead of copying array elements.
    var top = Frame(field: nil, isDate: false, open: -1, outerModifier: nil)
    /// The groups enclosing ``top``, outermost first.
    var parents: [Frame] = []
    var clauses = 0
    var nowValue: Int64?
    /// A byte offset and its column, so prefix columns are counted incrementally.
    var columnCache = (offset: 0, column: 1)

    init(parser: QueryParser, text: String, lenient: Bool) {
        self.parser = parser
        self.text = text
        let utf8 = text.utf8
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(utf8.count, 1))
        _ = buffer.initialize(from: utf8)
        self.storage = buffer
        self.bytes = UnsafeBufferPointer(rebasing: buffer[0..<utf8.count])
        self.n = utf8.count
        self.lenient = lenient
        self.dateField = parser.dateField
        self.maximumClauses = parser.limits.maximumClauses
        self.maximumDepth = parser.limits.maximumDepth
        self.defaultOperatorIsOr = parser.defaultOperator == .or
        self.bareWordAnalyzer = parser.analyzer(for: nil)
        self.hasFieldAnalyzers = !parser.fieldAnalyzers.isEmpty
    }

    /// The analyzer for a field (`nil`: the default fields).
    func analyzer(for field: String?) -> any QueryAnalyzing {
        guard let field else { return bareWordAnalyzer }
        return hasFieldAnalyzers ? parser.analyzer(for: field) : parser.analyzer
    }

    /// Frees the byte buffer; call once when done.
    func deallocate() {
        storage.deallocate()
    }

    // MARK: - Errors

    /// The 1-based character column of a byte offset.
    func column(_ offset: Int) -> Int {
        String(decoding: bytes[0..<min(max(offset, 0), n)], as: UTF8.self).count + 1
    }

    /// The column of a byte offset at or after the previous call's (prefix leaves), counted
    /// from the previous offset instead of the start.
    mutating func incrementalColumn(_ offset: Int) -> Int {
        if offset < columnCache.offset { return column(offset) }
        let value = columnCache.column + String(decoding: bytes[columnCache.offset..<offset], as: UTF8.self).count
        columnCache = (offset, value)
        return value
    }

    func slice(_ range: Range<Int>) -> String {
        String(decoding: bytes[max(range.lowerBound, 0)..<min(range.upperBound, n)], as: UTF8.self)
    }

    func error(_ kind: QuerySyntaxError.Kind, _ range: Range<Int>, _ message: String) -> QuerySyntaxError {
        QuerySyntaxError(kind: kind, column: column(range.lowerBound), text: slice(range), message: message)
    }

    // MARK: - Driver

    mutating func run() throws(QuerySyntaxError) -> Query {
        if n > parser.limits.maximumLength {
            var cut = parser.limits.maximumLength
            while cut > 0 && bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
            throw error(.queryTooLong, cut..<cut,
                        "the query is longer than \(parser.limits.maximumLength) bytes")
        }
        parents.reserveCapacity(16)
        while true {
            skipWhitespace()
            if i >= n { break }
            try step()
        }
        try settleDangling()
        while !parents.isEmpty {
            if !lenient {
                let open = top.open
                throw error(.unclosedParenthesis, open..<(open + 1), "unclosed parenthesis")
            }
            try closeGroup(readSuffixes: false)
        }
        if let query = build(top) { return query }
        if lenient { return .matchNone }
        var blank = true
        var k = 0
        while k < n {
            let w = QueryLexing.whitespaceLength(bytes, k)
            if w == 0 { blank = false; break }
            k += w
        }
        if blank { throw error(.emptyQuery, 0..<0, "empty query") }
        throw error(.emptyQuery, 0..<n, "the query has no words to search for")
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < n {
            let w = QueryLexing.whitespaceLength(bytes, i)
            if w == 0 { return }
            i += w
        }
    }

    @inline(__always)
    func isWhitespace(at j: Int) -> Bool { j < n && QueryLexing.whitespaceLength(bytes, j) > 0 }

    @inline(__always)
    func byte(_ j: Int) -> UInt8 { j < n ? bytes[j] : 0 }

    var scopeField: String? { top.field }
    var inDateScope: Bool { top.isDate }
    var inNumberScope: Bool { top.isNumber }

    /// The field a plain word takes in the current scope (a date scope gives default fields).
    var wordField: String? { inDateScope || inNumberScope ? nil : scopeField }

    mutating func now() -> Int64 {
        if let nowValue { return nowValue }
        let value = parser.clock()
        nowValue = value
        return value
    }

    /// Reads one token at `i` (not whitespace) and acts on it.
    mutating func step() throws(QuerySyntaxError) {
        let c = bytes[i]
        switch c {
        case closeParen:
            try closeParenthesis()
        case openParen:
            try openGroup(field: scopeField, at: i)
        case ampersand where byte(i + 1) == ampersand:
            try binary(isOr: false, i..<(i + 2))
        case pipe where byte(i + 1) == pipe:
            try binary(isOr: true, i..<(i + 2))
        case exclamation:
            addModifier(negate: true, i..<(i + 1))
        case plus where i + 1 < n && !isWhitespace(at: i + 1) && bytes[i + 1] != closeParen,
             minus where i + 1 < n && !isWhitespace(at: i + 1) && bytes[i + 1] != closeParen:
            addModifier(negate: c == minus, i..<(i + 1))
        case quote:
            if inDateScope || inNumberScope {
                if !lenient {
                    throw error(inDateScope ? .invalidDate : .invalidValue, i..<(i + 1),
                                inDateScope ? "a date is not quoted: write \(scopeField ?? dateField):2024-03-05" : "a number is not quoted: write \(scopeField ?? ""):42")
                }
                try plainWord(from: i)
            } else {
                try phrase(field: scopeField)
            }
        case openBracket, openBrace:
            if inDateScope || inNumberScope {
                try range(field: scopeField ?? dateField, clauseStart: i)
            } else if !lenient {
                throw error(.unsupportedSyntax, i..<(i + 1),
                            "ranges are only supported on date and number fields: write \(dateField):[2024-01-01 TO 2024-03-31]")
            } else {
                try plainWord(from: i)
            }
        case closeBracket, closeBrace, caret, tilde:
            if !lenient {
                let what = c == caret ? "`^` must follow a word, phrase or group"
                    : c == tilde ? "`~` must follow a phrase"
                    : "`\(String(UnicodeScalar(c)))` closes no range"
                throw error(.unexpectedCharacter, i..<(i + 1), what)
            }
            try plainWord(from: i)
        case star where byte(i + 1) == colon && byte(i + 2) == star && isTerminator(i + 3):
            let start = i
            i += 3
            try countClause(start)
            let q = try suffixes(.matchAll, isPhrase: false, isWord: false)
            try addOperand(q)
        default:
            try wordToken()
        }
    }

    // MARK: - Operators and operands

    mutating func addModifier(negate: Bool, _ range: Range<Int>) {
        var modifier = top.modifier ?? Modifier()
        if negate { modifier.negations += 1 } else { modifier.required = true }
        modifier.tokens.append(range)
        top.modifier = modifier
        i = range.upperBound
    }

    mutating func binary(isOr: Bool, _ range: Range<Int>) throws(QuerySyntaxError) {
        let name = slice(range)
        if !top.lastWasOperand || top.modifier != nil {
            if !lenient {
                if let modifier = top.modifier, let last = modifier.tokens.last {
                    throw error(.danglingOperator, range, "`\(name)` cannot follow `\(slice(last))`")
                }
                if let pending = top.pending {
                    throw error(.danglingOperator, range, "`\(name)` cannot follow `\(slice(pending.range))`")
                }
                throw error(.danglingOperator, range, "`\(name)` needs a clause before it")
            }
            i = range.upperBound
            try wordOperand(range)
            return
        }
        top.pending = Pending(isOr: isOr, range: range)
        top.lastWasOperand = false
        i = range.upperBound
    }

    /// Adds an operand (with the pending modifiers) to the current frame's chains.
    mutating func addOperand(_ query: Query?) throws(QuerySyntaxError) {
        let modifier = top.modifier
        top.modifier = nil
        var startsNewChain = false
        if top.lastWasOperand {
            startsNewChain = defaultOperatorIsOr
        } else if let pending = top.pending {
            startsNewChain = pending.isOr
            top.pending = nil
        }
        if startsNewChain {
            top.chains.append(top.chain)
            top.chain.removeAll()
        }
        let negated = (modifier?.negations ?? 0) % 2 == 1
        top.chain.append(Operand(query: query, negated: negated, required: modifier?.required ?? false))
        top.operandCount += 1
        top.lastWasOperand = true
    }

    /// A word made of the given bytes (an operator or modifier read as a word in lenient mode).
    mutating func wordOperand(_ range: Range<Int>) throws(QuerySyntaxError) {
        try countClause(range.lowerBound)
        let field = wordField
        try addOperand(QueryParser.wordQuery(slice(range), field: field, slop: 0, analyzer: analyzer(for: field)))
    }

    /// Resolves a modifier or operator with nothing after it, at `)` or the end.
    mutating func settleDangling() throws(QuerySyntaxError) {
        if let modifier = top.modifier {
            if !lenient {
                let last = modifier.tokens.last!
                throw error(.danglingOperator, last, "`\(slice(last))` needs a clause after it")
            }
            top.modifier = nil
            for token in modifier.tokens { try wordOperand(token) }
        }
        if let pending = top.pending {
            if !lenient {
                throw error(.danglingOperator, pending.range, "`\(slice(pending.range))` needs a clause after it")
            }
            try wordOperand(pending.range)
        }
    }

    mutating func countClause(_ start: Int) throws(QuerySyntaxError) {
        clauses += 1
        if clauses > maximumClauses {
            throw error(.tooManyClauses, start..<start,
                        "the query has more than \(maximumClauses) clauses")
        }
    }

    // MARK: - Groups

    mutating func openGroup(field: String?, at start: Int) throws(QuerySyntaxError) {
        if parents.count >= maximumDepth {
            throw error(.nestingTooDeep, start..<(start + 1),
                        "parentheses nest deeper than \(maximumDepth) levels")
        }
        let modifier = top.modifier
        top.modifier = nil
        parents.append(top)
        top = Frame(field: field, isDate: parser.isDateField(field), isNumber: parser.isNumberField(field), open: start,
                    outerModifier: modifier)
        i = start + 1
    }

    mutating func closeParenthesis() throws(QuerySyntaxError) {
        if parents.isEmpty {
            if !lenient { throw error(.unexpectedClosingParenthesis, i..<(i + 1), "unexpected `)`: no group is open") }
            i += 1
            return
        }
        try settleDangling()
        if top.operandCount == 0 && !lenient {
            let open = top.open
            throw error(.emptyGroup, open..<(i + 1), "empty group `\(slice(open..<(i + 1)))`")
        }
        i += 1
        try closeGroup(readSuffixes: true)
    }

    mutating func closeGroup(readSuffixes: Bool) throws(QuerySyntaxError) {
        try settleDangling()
        let frame = top
        top = parents.removeLast()
        var query = build(frame)
        if readSuffixes {
            query = try suffixes(query, isPhrase: false, isWord: false)
        }
        top.modifier = frame.outerModifier
        try addOperand(query)
    }

    /// The query a frame's chains make, or `nil` when everything in it dropped out.
    func build(_ frame: Frame) -> Query? {
        if frame.chains.isEmpty { return buildAnd(frame.chain) }
        var kept = 0
        var only: [Operand] = []
        for chain in frame.chains where keptCount(chain) > 0 { kept += 1; only = chain }
        if keptCount(frame.chain) > 0 { kept += 1; only = frame.chain }
        if kept == 0 { return nil }
        if kept == 1 { return buildAnd(only) }
        var must: [Query] = [], should: [Query] = [], mustNot: [Query] = []
        func add(_ chain: [Operand]) {
            let count = keptCount(chain)
            if count == 0 { return }
            if count == 1 {
                for operand in chain {
                    guard let query = operand.query else { continue }
                    if operand.negated {
                        mustNot.append(query)
                    } else if operand.required {
                        must.append(query)
                    } else {
                        should.append(query)
                    }
                }
            } else if let query = buildAnd(chain) {
                should.append(query)
            }
        }
        for chain in frame.chains { add(chain) }
        add(frame.chain)
        if must.isEmpty && should.isEmpty { must = [.matchAll] }
        return .boolean(Query.Boolean(must: must, should: should, mustNot: mustNot))
    }

    func keptCount(_ chain: [Operand]) -> Int {
        var count = 0
        for operand in chain where operand.query != nil { count += 1 }
        return count
    }

    /// An AND chain's query: a lone positive operand as is, else a boolean of required and
    /// excluded clauses (with ``Query/matchAll`` when nothing is required). `nil` when empty.
    func buildAnd(_ chain: [Operand]) -> Query? {
        var must: [Query] = [], mustNot: [Query] = []
        for operand in chain {
            guard let query = operand.query else { continue }
            if operand.negated { mustNot.append(query) } else { must.append(query) }
        }
        if mustNot.isEmpty {
            if must.count == 1 { return must[0] }
            if must.isEmpty { return nil }
        } else if must.isEmpty {
            must = [.matchAll]
        }
        return .boolean(Query.Boolean(must: must, mustNot: mustNot))
    }

    // MARK: - Words

    /// A word read from the query: a byte range, plus the unescaped bytes when it had escapes.
    struct Word {
        var start: Int
        var end: Int
        /// The bytes with escapes resolved, or `nil` when the word had none (then the text is
        /// `bytes[start..<end]`).
        var unescaped: [UInt8]?
        var prefix = false
        var fieldColon = false

        init(start: Int) {
            self.start = start
            self.end = start
        }

        var escaped: Bool { unescaped != nil }
    }

    func text(of word: Word) -> String {
        if let unescaped = word.unescaped { return String(decoding: unescaped, as: UTF8.self) }
        return String(decoding: bytes[word.start..<word.end], as: UTF8.self)
    }

    func isEmpty(_ word: Word) -> Bool { word.unescaped?.isEmpty ?? (word.start == word.end) }

    /// Whether an unescaped word is exactly the ASCII `keyword`.
    func word(_ word: Word, is keyword: StaticString) -> Bool {
        guard word.unescaped == nil, word.end - word.start == keyword.utf8CodeUnitCount else { return false }
        let k = keyword.utf8Start
        for j in 0..<keyword.utf8CodeUnitCount where bytes[word.start + j] != k[j] { return false }
        return true
    }

    /// Whether a word, boost or slop ends before offset `j`.
    @inline(__always)
    func isTerminator(_ j: Int) -> Bool {
        if j >= n { return true }
        switch bytes[j] {
        case openParen, closeParen, quote, caret, tilde: return true
        case ampersand: return byte(j + 1) == ampersand
        case pipe: return byte(j + 1) == pipe
        default: return QueryLexing.whitespaceLength(bytes, j) > 0
        }
    }

    /// Reads a word in text mode: escapes, a final `*` for a prefix, and (when `allowField`) a
    /// `name:` field prefix.
    mutating func readWord(allowField: Bool) throws(QuerySyntaxError) -> Word {
        var word = Word(start: i)
        var buffer: [UInt8]?
        var identifier = true
        while i < n {
            let c = bytes[i]
            if c >= 0x80 {
                if QueryLexing.whitespaceLength(bytes, i) > 0 { break }
                buffer?.append(c)
                identifier = false
                i += 1
                continue
            }
            switch c {
            case 0x20, 0x09...0x0D, openParen, closeParen, quote, caret, tilde:
                word.end = i
                word.unescaped = buffer
                return word
            case ampersand where byte(i + 1) == ampersand, pipe where byte(i + 1) == pipe:
                word.end = i
                word.unescaped = buffer
                return word
            case backslash:
                if i + 1 < n {
                    if buffer == nil { buffer = Array(bytes[word.start..<i]) }
                    buffer!.append(bytes[i + 1])
                    identifier = false
                    i += 2
                } else {
                    if !lenient { throw error(.unexpectedCharacter, i..<(i + 1), "`\\` at the end of the query escapes nothing") }
                    buffer?.append(c)
                    i += 1
                }
            case colon where allowField && identifier && i > word.start:
                word.fieldColon = true
                word.end = i
                word.unescaped = buffer
                return word
            case star:
                if isTerminator(i + 1) {
                    word.prefix = true
                    word.end = i
                    word.unescaped = buffer
                    i += 1
                    return word
                }
                if !lenient {
                    throw error(.invalidPrefix, i..<(i + 1), "`*` can only end a word (prefix search such as sanction*)")
                }
                buffer?.append(c)
                identifier = false
                i += 1
            default:
                if identifier {
                    let isLetter = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A
                    let isDigit = c >= 0x30 && c <= 0x39
                    if !(isLetter || c == 0x5F || (i > word.start && (isDigit || c == 0x2E))) { identifier = false }
                }
                buffer?.append(c)
                i += 1
            }
        }
        word.end = i
        word.unescaped = buffer
        return word
    }

    /// Reads a date value (no escapes, `*` and `||` are part of it) up to whitespace, a
    /// parenthesis, `^`, and inside ranges `]` or `}`. With `allowField`, stops at `name:`.
    mutating func readDateWord(inRange: Bool, allowField: Bool) -> Word {
        var word = Word(start: i)
        var identifier = true
        while i < n {
            let c = bytes[i]
            if c == openParen || c == closeParen || c == caret { break }
            if inRange && (c == closeBracket || c == closeBrace) { break }
            if QueryLexing.whitespaceLength(bytes, i) > 0 { break }
            if c == colon && allowField && identifier && i > word.start {
                word.fieldColon = true
                break
            }
            if identifier {
                let isLetter = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A
                let isDigit = c >= 0x30 && c <= 0x39
                if !(isLetter || c == 0x5F || (i > word.start && (isDigit || c == 0x2E))) { identifier = false }
            }
            i += 1
        }
        word.end = i
        return word
    }

    /// A word at `i`: a field prefix, a keyword, a prefix query, a date or a plain word.
    mutating func wordToken() throws(QuerySyntaxError) {
        let start = i
        let dateScope = inDateScope || inNumberScope
        let word = dateScope ? readDateWord(inRange: false, allowField: true) : try readWord(allowField: true)
        if word.fieldColon {
            let name = text(of: word)
            i += 1 // the colon
            if name == "_exists_" {
                try existsClause(clauseStart: start)
                return
            }
            guard parser.knows(name) else {
                if !lenient { throw unknownField(name, start) }
                i = start
                try plainWord(from: start)
                return
            }
            try fieldValue(name, clauseStart: start)
            return
        }
        if !word.escaped && !word.prefix {
            if self.word(word, is: "AND") { return try binary(isOr: false, start..<i) }
            if self.word(word, is: "OR") { return try binary(isOr: true, start..<i) }
            if self.word(word, is: "NOT") { return addModifier(negate: true, start..<i) }
        }
        if inNumberScope {
            try numberValue(text(of: word), field: scopeField ?? "", valueStart: start, clauseStart: start)
        } else if dateScope {
            try dateValue(text(of: word), field: scopeField ?? dateField,
                          valueStart: start, clauseStart: start)
        } else {
            try wordLeaf(word, field: scopeField, start: start)
        }
    }

    func unknownField(_ name: String, _ start: Int) -> QuerySyntaxError {
        let known = parser.knownFields
        let best = EditDistance.closest(to: name, in: known) { $0.count <= 4 ? 1 : 2 }
        let range = start..<(start + name.utf8.count)
        if let best {
            return error(.unknownField, range, "unknown field `\(name)`; did you mean `\(best)`?")
        }
        return error(.unknownField, range, "unknown field `\(name)` (known fields: \(known.joined(separator: ", ")))")
    }

    /// The value after `name:`.
    mutating func fieldValue(_ name: String, clauseStart: Int) throws(QuerySyntaxError) {
        skipWhitespace()
        if i >= n || bytes[i] == closeParen {
            if !lenient {
                throw error(.missingValue, clauseStart..<i, "`\(name):` needs a word, phrase or group after it")
            }
            i = clauseStart
            try plainWord(from: clauseStart)
            return
        }
        let c = bytes[i]
        let isNumber = parser.isNumberField(name)
        if isNumber || parser.isDateField(name) {
            // Number and date fields take values, ranges and groups of values, never phrases.
            let what = isNumber ? "number" : "date"
            switch c {
            case openParen:
                try openGroup(field: name, at: i)
            case openBracket, openBrace:
                try range(field: name, clauseStart: clauseStart)
            case quote:
                if !lenient {
                    throw error(isNumber ? .invalidValue : .invalidDate, i..<(i + 1),
                                "a \(what) is not quoted: write \(name):\(isNumber ? "42" : "2024-03-05")")
                }
                try plainWord(from: clauseStart)
            default:
                let valueStart = i
                let word = readDateWord(inRange: false, allowField: false)
                if isEmpty(word) {
                    if !lenient { throw error(.missingValue, clauseStart..<valueStart, "`\(name):` needs a \(what) after it") }
                    try plainWord(from: clauseStart)
                    return
                }
                if isNumber {
                    try numberValue(text(of: word), field: name, valueStart: valueStart, clauseStart: clauseStart)
                } else {
                    try dateValue(text(of: word), field: name, valueStart: valueStart, clauseStart: clauseStart)
                }
            }
            return
        }
        switch c {
        case openParen:
            try openGroup(field: name, at: i)
        case quote:
            try phrase(field: name, clauseStart: clauseStart)
        case openBracket, openBrace:
            if !lenient {
                throw error(.unsupportedSyntax, i..<(i + 1),
                            "ranges are only supported on date and number fields, not on the \(parser.fieldTypes[name] ?? .text) field `\(name)`")
            }
            try plainWord(from: clauseStart)
        default:
            let valueStart = i
            let word = try readWord(allowField: false)
            if parser.fieldTypes[name] == .bool, !word.prefix {
                let value = text(of: word).lowercased()
                if value != "true" && value != "false" && !isEmpty(word) {
                    if !lenient {
                        throw error(.invalidValue, valueStart..<i, "`\(name)` is a bool field: write \(name):true or \(name):false")
                    }
                    try plainWord(from: clauseStart)
                    return
                }
            }
            if isEmpty(word) && !word.prefix {
                if !lenient {
                    throw error(.missingValue, clauseStart..<valueStart, "`\(name):` needs a word, phrase or group after it")
                }
                try plainWord(from: clauseStart)
                return
            }
            try wordLeaf(word, field: name, start: valueStart)
        }
    }

    /// A word or prefix leaf with its suffixes, added as an operand.
    mutating func wordLeaf(_ word: Word, field: String?, start: Int) throws(QuerySyntaxError) {
        try countClause(start)
        let text = text(of: word)
        let analyzer = analyzer(for: field)
        var query: Query?
        if word.prefix {
            let folded = analyzer.foldPrefix(text)
            if text.isEmpty || folded.count < parser.minimumPrefixLength {
                if !lenient {
                    let range = start..<i
                    if text.isEmpty {
                        throw error(.invalidPrefix, range, "`*` alone is not a query: use a prefix such as sanction*, or *:* for every document")
                    }
                    throw error(.invalidPrefix, range,
                                "the prefix `\(text)*` is too short: use at least \(parser.minimumPrefixLength) characters")
                }
                query = QueryParser.wordQuery(text, field: field, slop: 0, analyzer: analyzer)
            } else {
                query = .prefix(Query.Prefix(field: field, text: text, prefix: folded, column: incrementalColumn(start)))
            }
        } else {
            query = QueryParser.wordQuery(text, field: field, slop: 0, analyzer: analyzer)
            if i < n && bytes[i] == tilde, let fuzzy = try fuzzySuffix(query, text: text, field: field, start: start) {
                query = fuzzy
            }
        }
        query = try suffixes(query, isPhrase: false, isWord: true)
        try addOperand(query)
    }

    /// Reads `~`, `~0`, `~1` or `~2` after a word (at `i`) and returns the fuzzy leaf of the
    /// word's query `word`; `nil` (the `~` left unread) in lenient mode when it cannot be one.
    mutating func fuzzySuffix(_ word: Query?, text: String, field: String?, start: Int) throws(QuerySyntaxError) -> Query? {
        let at = i
        i += 1
        let run = suffixRun()
        var edits = Query.Fuzzy.maximumEdits
        if !run.isEmpty {
            let d = bytes[run.lowerBound]
            if run.count == 1 && d >= 0x30 && d <= 0x30 + UInt8(Query.Fuzzy.maximumEdits) {
                edits = Int(d - 0x30)
            } else {
                if !lenient {
                    throw error(.invalidFuzzy, at..<run.upperBound,
                                "`~` after a word takes 0, 1 or 2 edits, such as word~1 (or word~ for 2)")
                }
                i = at
                return nil
            }
        }
        switch word {
        case .term(let t)?:
            return .fuzzy(Query.Fuzzy(field: field, text: text, term: t.term, maxEdits: edits,
                                      prefixLength: parser.fuzzyPrefixLength, maxExpansions: parser.fuzzyMaxExpansions,
                                      column: incrementalColumn(start)))
        case nil:
            return nil // a stop word: nothing to expand
        default:
            if !lenient {
                throw error(.invalidFuzzy, start..<run.upperBound,
                            "`~` needs a single word: `\(text)` is several words to the analyzer")
            }
            return word
        }
    }

    /// In lenient mode: reads from `start` to whitespace or a parenthesis as a plain word
    /// (escapes resolved, every other character literal) and adds it.
    mutating func plainWord(from start: Int) throws(QuerySyntaxError) {
        i = start
        var text: [UInt8] = []
        while i < n {
            let c = bytes[i]
            if c == openParen || c == closeParen || QueryLexing.whitespaceLength(bytes, i) > 0 { break }
            if c == backslash && i + 1 < n {
                text.append(bytes[i + 1])
                i += 2
            } else {
                text.append(c)
                i += 1
            }
        }
        if i == start { i += 1 } // never stall
        try countClause(start)
        let field = wordField
        try addOperand(QueryParser.wordQuery(String(decoding: text, as: UTF8.self), field: field, slop: 0,
                                             analyzer: analyzer(for: field)))
    }

    // MARK: - Phrases

    /// Whether a byte is an ASCII letter.
    static func isASCIILetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }

    mutating func phrase(field: String?, clauseStart: Int? = nil) throws(QuerySyntaxError) {
        let start = i
        i += 1
        var text: [UInt8] = []
        var closed = false
        // Where an unescaped `~` directly after a letter ends a word inside the quotes (`oli~1`).
        var fuzzyAt: Int?
        while i < n {
            let c = bytes[i]
            if c == backslash && i + 1 < n {
                text.append(bytes[i + 1])
                i += 2
                continue
            }
            if c == quote {
                closed = true
                i += 1
                break
            }
            if c == tilde, fuzzyAt == nil, let previous = text.last, QueryParseEngine.isASCIILetter(previous) {
                var k = i + 1
                if k < n && bytes[k] >= 0x30 && bytes[k] <= 0x32 { k += 1 }
                if k >= n || bytes[k] == quote || bytes[k] == 0x20 { fuzzyAt = i }
            }
            text.append(c)
            i += 1
        }
        if !closed {
            if !lenient { throw error(.unclosedQuote, start..<n, "unclosed quote") }
            // Read the quote as a space and go on with the words after it.
            i = start + 1
            if let clauseStart, field != nil {
                // `title:"...` : the field name alone becomes a word.
                try wordOperand(clauseStart..<(start))
            }
            return
        }
        if !lenient, closed, let at = fuzzyAt {
            throw error(.unsupportedSyntax, at..<(at + 1),
                        "fuzzy words inside a phrase (\"crude oli~1\") are not supported: write crude AND oli~1, or the phrase without `~`")
        }
        try countClause(start)
        let query = QueryParser.wordQuery(String(decoding: text, as: UTF8.self), field: field, slop: 0,
                                          analyzer: analyzer(for: field))
        try addOperand(try suffixes(query, isPhrase: true, isWord: false))
    }

    // MARK: - Suffixes

    /// The run of characters after `~` or `^`, up to a terminator or another `^`/`~`.
    mutating func suffixRun() -> Range<Int> {
        let start = i
        while i < n && !isTerminator(i) { i += 1 }
        return start..<i
    }

    /// Reads `~slop` (phrases) and `^boost` directly after a clause.
    mutating func suffixes(_ query: Query?, isPhrase: Bool, isWord: Bool) throws(QuerySyntaxError) -> Query? {
        var query = query
        if i < n && bytes[i] == tilde {
            let at = i
            if !isPhrase {
                if !lenient {
                    if isWord {
                        throw error(.unsupportedSyntax, at..<(at + 1),
                                    "`~` cannot follow a prefix: write either word* or word~1")
                    }
                    throw error(.unexpectedCharacter, at..<(at + 1), "`~` must follow a phrase")
                }
                return query // the main loop reads `~...` as a word
            }
            i += 1
            let run = suffixRun()
            var slop = 0
            var valid = !run.isEmpty && run.count <= 9
            if valid {
                for k in run {
                    let d = bytes[k]
                    guard d >= 0x30 && d <= 0x39 else { valid = false; break }
                    slop = slop * 10 + Int(d - 0x30)
                }
            }
            if !valid {
                if !lenient {
                    throw error(.invalidSlop, at..<run.upperBound,
                                "`~` after a phrase takes a whole number of positions, such as \"a b\"~3")
                }
                i = at
                return query
            }
            if case .phrase(var phrase) = query {
                phrase.slop = slop
                query = .phrase(phrase)
            }
        }
        if i < n && bytes[i] == caret {
            let at = i
            i += 1
            let run = suffixRun()
            guard let factor = parseBoost(run) else {
                if !lenient {
                    throw error(.invalidBoost, at..<run.upperBound, "`^` takes a non-negative number, such as word^2 or (a b)^1.5")
                }
                i = at
                return query
            }
            if let inner = query { query = .boost(inner, factor) }
        }
        return query
    }

    func parseBoost(_ run: Range<Int>) -> Double? {
        guard !run.isEmpty, run.count <= 32 else { return nil }
        let first = bytes[run.lowerBound]
        guard (first >= 0x30 && first <= 0x39) || first == 0x2E else { return nil }
        for k in run {
            let c = bytes[k]
            guard (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x65 || c == 0x45 || c == plus || c == minus else { return nil }
        }
        guard let value = Double(slice(run)), value.isFinite, value >= 0 else { return nil }
        return value
    }

    // MARK: - Dates

    /// `date:value`, `date:>=value`, `date:*`.
    mutating func dateValue(_ text: String, field: String, valueStart: Int, clauseStart: Int) throws(QuerySyntaxError) {
        let end = i
        try countClause(clauseStart)
        var comparison: Query.DateComparison?
        var expression = Substring(text)
        if expression.hasPrefix(">=") { comparison = .greaterOrEqual; expression = expression.dropFirst(2) }
        else if expression.hasPrefix("<=") { comparison = .lessOrEqual; expression = expression.dropFirst(2) }
        else if expression.hasPrefix(">") { comparison = .greater; expression = expression.dropFirst(1) }
        else if expression.hasPrefix("<") { comparison = .less; expression = expression.dropFirst(1) }
        let expressionStart = valueStart + (text.utf8.count - expression.utf8.count)
        var range: Query.DateRange
        if comparison == nil && expression == "*" {
            range = Query.DateRange(field: field, lower: nil, upper: nil, syntax: .value("*"))
        } else {
            let span: DateMath.Span
            switch DateMath.span(String(expression), now: now()) {
            case .success(let s): span = s
            case .failure(let failure):
                if !lenient {
                    let message = expression.isEmpty ? "`\(text)` needs a date after it" : failure.message
                    throw error(.invalidDate, expressionStart..<end, message)
                }
                clauses -= 1
                try plainWord(from: clauseStart)
                return
            }
            switch comparison {
            case nil:
                range = Query.DateRange(field: field, lower: span.first, upper: span.last, syntax: .value(text))
            case .greaterOrEqual?:
                range = Query.DateRange(field: field, lower: span.first, upper: nil, syntax: .comparison(.greaterOrEqual, String(expression)))
            case .greater?:
                range = Query.DateRange(field: field, lower: span.last + 1, upper: nil, syntax: .comparison(.greater, String(expression)))
            case .lessOrEqual?:
                range = Query.DateRange(field: field, lower: nil, upper: span.last, syntax: .comparison(.lessOrEqual, String(expression)))
            case .less?:
                range = Query.DateRange(field: field, lower: nil, upper: span.first - 1, syntax: .comparison(.less, String(expression)))
            }
        }
        let query = try suffixes(.dateRange(range), isPhrase: false, isWord: false)
        try addOperand(query)
    }

    /// `[lower TO upper]` with `[`/`]` inclusive and `{`/`}` exclusive ends, `*` open.
    mutating func range(field: String, clauseStart: Int) throws(QuerySyntaxError) {
        let open = i
        let lowerInclusive = bytes[i] == openBracket
        i += 1
        func fail(_ engine: inout QueryParseEngine, _ kind: QuerySyntaxError.Kind, _ at: Range<Int>, _ message: String) throws(QuerySyntaxError) {
            if !engine.lenient { throw engine.error(kind, at, message) }
            try engine.plainWord(from: clauseStart)
        }
        skipWhitespace()
        let lowerStart = i
        let lowerText = text(of: readDateWord(inRange: true, allowField: false))
        if lowerText.isEmpty {
            return try fail(&self, i >= n ? .invalidRange : .invalidRange, i >= n ? open..<n : i..<(i + 1),
                            i >= n ? "unclosed range: expected `[date TO date]`" : "expected a date or `*` after `\(slice(open..<(open + 1)))`")
        }
        skipWhitespace()
        let afterTO = byte(i + 2)
        if !(byte(i) == 0x54 && byte(i + 1) == 0x4F
             && (i + 2 >= n || isWhitespace(at: i + 2) || afterTO == closeBracket || afterTO == closeBrace)) {
            if i >= n { return try fail(&self, .invalidRange, open..<n, "unclosed range: expected `TO` and an upper bound") }
            return try fail(&self, .invalidRange, i..<min(i + 1, n), "expected `TO` between the bounds of a range, as in [2024-01-01 TO 2024-03-31]")
        }
        i += 2
        skipWhitespace()
        let upperStart = i
        let upperText = text(of: readDateWord(inRange: true, allowField: false))
        if upperText.isEmpty {
            if i >= n { return try fail(&self, .invalidRange, open..<n, "unclosed range: expected an upper bound and `]` or `}`") }
            return try fail(&self, .invalidRange, i..<(i + 1), "expected a date or `*` after `TO`")
        }
        skipWhitespace()
        guard i < n, bytes[i] == closeBracket || bytes[i] == closeBrace else {
            if i >= n { return try fail(&self, .invalidRange, open..<n, "unclosed range: expected `]` or `}`") }
            return try fail(&self, .invalidRange, i..<(i + 1), "expected `]` or `}` to close the range")
        }
        let upperInclusive = bytes[i] == closeBracket
        i += 1
        let close = i
        if parser.isNumberField(field) {
            var bounds: [Double?] = []
            for (text, start) in [(lowerText, lowerStart), (upperText, upperStart)] {
                if text == "*" { bounds.append(nil); continue }
                guard let value = QueryParseEngine.number(Substring(text)) else {
                    return try fail(&self, .invalidValue, start..<(start + text.utf8.count), "`\(text)` is not a number (`\(field)` is a number field)")
                }
                bounds.append(value)
            }
            let range = Query.NumberRange(field: field, lower: bounds[0], lowerInclusive: lowerInclusive,
                                          upper: bounds[1], upperInclusive: upperInclusive)
            if let lower = bounds[0], let upper = bounds[1], lower > upper || (lower == upper && !(lowerInclusive && upperInclusive)) {
                return try fail(&self, .invertedRange, open..<close, lower > upper
                                ? "inverted range: \(lowerText) is greater than \(upperText)"
                                : "empty range: no number is both \(lowerInclusive ? "from" : "above") \(lowerText) and \(upperInclusive ? "up to" : "below") \(upperText)")
            }
            try countClause(clauseStart)
            try addOperand(try suffixes(.numberRange(range), isPhrase: false, isWord: false))
            return
        }
        var lower: Int64?
        var upper: Int64?
        var lowerSpan: DateMath.Span?
        var upperSpan: DateMath.Span?
        if lowerText != "*" {
            switch DateMath.span(lowerText, now: now()) {
            case .success(let span):
                lowerSpan = span
                lower = lowerInclusive ? span.first : span.last + 1
            case .failure(let failure):
                return try fail(&self, .invalidDate, lowerStart..<(lowerStart + lowerText.utf8.count), failure.message)
            }
        }
        if upperText != "*" {
            switch DateMath.span(upperText, now: now()) {
            case .success(let span):
                upperSpan = span
                upper = upperInclusive ? span.last : span.first - 1
            case .failure(let failure):
                return try fail(&self, .invalidDate, upperStart..<(upperStart + upperText.utf8.count), failure.message)
            }
        }
        if let lower, let upper, lower > upper {
            let message: String
            if let lowerSpan, let upperSpan, lowerSpan.first > upperSpan.last {
                message = "inverted date range: `\(lowerText)` comes after `\(upperText)`"
            } else {
                message = "empty date range: no date is both \(lowerInclusive ? "from" : "after") `\(lowerText)` and \(upperInclusive ? "up to" : "before") `\(upperText)`"
            }
            return try fail(&self, .invertedRange, open..<close, message)
        }
        try countClause(clauseStart)
        let syntax = Query.DateSyntax.range(lower: lowerText == "*" ? nil : lowerText, lowerInclusive: lowerInclusive,
                                            upper: upperText == "*" ? nil : upperText, upperInclusive: upperInclusive)
        let query = try suffixes(.dateRange(Query.DateRange(field: field, lower: lower, upper: upper, syntax: syntax)),
                                 isPhrase: false, isWord: false)
        try addOperand(query)
    }

    // MARK: - Numbers and existence

    /// `field:42`, `field:>=4.5`, `field:*` on a number field.
    mutating func numberValue(_ text: String, field: String, valueStart: Int, clauseStart: Int) throws(QuerySyntaxError) {
        let end = i
        try countClause(clauseStart)
        var expression = Substring(text)
        var comparison: Query.DateComparison?
        if expression.hasPrefix(">=") { comparison = .greaterOrEqual; expression = expression.dropFirst(2) }
        else if expression.hasPrefix("<=") { comparison = .lessOrEqual; expression = expression.dropFirst(2) }
        else if expression.hasPrefix(">") { comparison = .greater; expression = expression.dropFirst(1) }
        else if expression.hasPrefix("<") { comparison = .less; expression = expression.dropFirst(1) }
        let expressionStart = valueStart + (text.utf8.count - expression.utf8.count)
        var range: Query.NumberRange
        if comparison == nil && expression == "*" {
            range = Query.NumberRange(field: field, lower: nil, upper: nil)
        } else {
            guard let value = QueryParseEngine.number(expression) else {
                if !lenient {
                    let message = expression.isEmpty ? "`\(text)` needs a number after it" : "`\(expression)` is not a number (`\(field)` is a number field)"
                    throw error(.invalidValue, expressionStart..<end, message)
                }
                clauses -= 1
                try plainWord(from: clauseStart)
                return
            }
            switch comparison {
            case nil: range = Query.NumberRange(field: field, lower: value, upper: value)
            case .greaterOrEqual?: range = Query.NumberRange(field: field, lower: value, upper: nil)
            case .greater?: range = Query.NumberRange(field: field, lower: value, lowerInclusive: false, upper: nil)
            case .lessOrEqual?: range = Query.NumberRange(field: field, lower: nil, upper: value)
            case .less?: range = Query.NumberRange(field: field, lower: nil, upper: value, upperInclusive: false)
            }
        }
        try addOperand(try suffixes(.numberRange(range), isPhrase: false, isWord: false))
    }

    /// A finite number in decimal notation (`42`, `-3.5`, `1e6`), or nil.
    static func number(_ text: Substring) -> Double? {
        guard let first = text.utf8.first, first == 0x2D || first == 0x2E || (first >= 0x30 && first <= 0x39),
              let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// `_exists_:field`.
    mutating func existsClause(clauseStart: Int) throws(QuerySyntaxError) {
        let valueStart = i
        let word = readDateWord(inRange: false, allowField: false)
        let name = text(of: word)
        guard !name.isEmpty else {
            if !lenient { throw error(.missingValue, clauseStart..<valueStart, "`_exists_:` needs a field name after it") }
            try plainWord(from: clauseStart)
            return
        }
        guard parser.knows(name) else {
            if !lenient { throw unknownField(name, valueStart) }
            try plainWord(from: clauseStart)
            return
        }
        try countClause(clauseStart)
        try addOperand(try suffixes(.exists(Query.Exists(field: name)), isPhrase: false, isWord: false))
    }
}
