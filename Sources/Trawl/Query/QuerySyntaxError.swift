/// A query that could not be parsed (or, for ``Kind-swift.enum/prefixTooBroad``, executed):
/// what went wrong, where, and a sentence for people.
///
/// ``column`` is 1-based and counts *characters* as the user sees them (Swift `Character`s,
/// that is extended grapheme clusters), not bytes: in `café "x` the quote is at column 6.
/// ``rendered(query:)`` prints the message with the query and a caret under the column:
///
/// ```
/// query error at column 15: unclosed quote
///   sanctions AND "russia iran
///                 ^
/// ```
public struct QuerySyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of query errors, for code that reacts to them.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// The query is empty, blank, or has no word that analyzes to a term.
        case emptyQuery
        /// A `"` has no closing `"`.
        case unclosedQuote
        /// A `(` has no closing `)`.
        case unclosedParenthesis
        /// A `)` closes nothing.
        case unexpectedClosingParenthesis
        /// `AND`, `OR`, `NOT`, `&&`, `||` or `!` lacks a clause before or after it.
        case danglingOperator
        /// A group `()` holds nothing.
        case emptyGroup
        /// A `field:` is followed by nothing.
        case missingValue
        /// A field name that the parser does not know.
        case unknownField
        /// A date or date-math expression that is malformed or names a day that does not exist.
        case invalidDate
        /// A value that does not fit its field: not a number on a number field, not true or
        /// false on a bool field.
        case invalidValue
        /// A date range that is malformed (missing `TO`, missing `]`).
        case invalidRange
        /// A date range whose lower bound comes after its upper bound (it would match nothing).
        case invertedRange
        /// The `~` after a phrase is not followed by a whole number.
        case invalidSlop
        /// The `^` is not followed by a non-negative number.
        case invalidBoost
        /// The `~` after a word is not followed by an edit distance of 0, 1 or 2, or the word
        /// does not analyze to one term (`well-known~1`).
        case invalidFuzzy
        /// A prefix query that is `*` alone, too short, or a `*` that does not end the word.
        case invalidPrefix
        /// A prefix that expands to more terms than allowed (raised by the executor).
        case prefixTooBroad
        /// Syntax that Trawl does not support: ranges on text fields, fuzzy words in a phrase.
        case unsupportedSyntax
        /// A character that cannot stand where it is: a stray `^`, `~`, `]`, `}`, or a final `\`.
        case unexpectedCharacter
        /// Parentheses nest deeper than ``QueryParser/Limits/maximumDepth``.
        case nestingTooDeep
        /// The query is longer than ``QueryParser/Limits/maximumLength`` bytes.
        case queryTooLong
        /// The query has more clauses than ``QueryParser/Limits/maximumClauses``.
        case tooManyClauses
    }

    /// What went wrong.
    public var kind: Kind
    /// The 1-based column of the offending text, in characters (grapheme clusters).
    public var column: Int
    /// The offending text as it appears in the query (may be empty, for example at the end).
    public var text: String
    /// One sentence for people, without the column.
    public var message: String

    /// Creates an error.
    public init(kind: Kind, column: Int, text: String, message: String) {
        self.kind = kind
        self.column = column
        self.text = text
        self.message = message
    }

    /// Whether the error is a resource limit (length, nesting, clauses, prefix expansion) rather
    /// than a syntax mistake. Lenient parsing still reports limits.
    public var isLimit: Bool {
        switch kind {
        case .nestingTooDeep, .queryTooLong, .tooManyClauses, .prefixTooBroad: return true
        default: return false
        }
    }

    /// `query error at column 15: unclosed quote`.
    public var description: String { "query error at column \(column): \(message)" }

    /// The error as a ``TrawlError``: ``TrawlError/Code/limitExceeded`` for limits,
    /// ``TrawlError/Code/invalidQuery`` otherwise.
    public var trawlError: TrawlError {
        TrawlError(isLimit ? .limitExceeded : .invalidQuery, description)
    }

    /// The error for a prefix that matches more terms than the executor allows: the executor
    /// throws it with the prefix node's ``Query/Prefix/column``.
    ///
    /// The message reads ``prefix `sanct*` matches 12000 terms, more than the limit of 1000; use a longer prefix``.
    public static func prefixTooBroad(prefix: String, count: Int, limit: Int, column: Int) -> QuerySyntaxError {
        QuerySyntaxError(
            kind: .prefixTooBroad, column: column, text: prefix + "*",
            message: "prefix `\(prefix)*` matches \(count) terms, more than the limit of \(limit); use a longer prefix")
    }

    /// Three lines: the ``description``, the query indented by two spaces, and a caret under
    /// ``column``. Control characters (tabs, newlines) in the query show as spaces; wide
    /// characters (CJK, emoji) count two cells so the caret stays aligned in a terminal. A query
    /// longer than about 100 cells is shown as a window around the column, cut with `…`.
    public func rendered(query: String) -> String {
        let characters = Array(query)
        let index = min(max(column - 1, 0), characters.count)
        var cells = characters.map { Self.cellWidth($0) }
        var shown = characters.map { $0.isWhitespace || $0.unicodeScalars.first!.properties.generalCategory == .control ? " " as Character : $0 }
        var caretCell = cells[..<index].reduce(0, +)
        let total = cells.reduce(0, +)
        let window = 100
        if total > window {
            // Keep about 40 cells before the column and fill the rest after it.
            var first = index
            var before = 0
            while first > 0 && before + cells[first - 1] <= 40 { first -= 1; before += cells[first] }
            var last = index
            var after = 0
            while last < characters.count && before + after + cells[last] <= window - 2 { after += cells[last]; last += 1 }
            var prefix: [Character] = []
            var prefixCells: [Int] = []
            if first > 0 { prefix = ["…"]; prefixCells = [1] }
            var suffix: [Character] = []
            var suffixCells: [Int] = []
            if last < characters.count { suffix = ["…"]; suffixCells = [1] }
            shown = prefix + Array(shown[first..<last]) + suffix
            cells = prefixCells + Array(cells[first..<last]) + suffixCells
            caretCell = prefixCells.count + before
        }
        let line = String(shown)
        return description + "\n  " + line + "\n  " + String(repeating: " ", count: caretCell) + "^"
    }

    /// Terminal cells a character takes: 2 for East Asian wide and full-width characters and
    /// emoji, 0 for a lone combining mark, 1 otherwise.
    static func cellWidth(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        let value = scalar.value
        if value < 0x1100 { return 1 }
        if scalar.properties.isEmojiPresentation { return 2 }
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}
