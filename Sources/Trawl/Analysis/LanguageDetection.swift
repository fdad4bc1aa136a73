import CTrawlCLD2

/// Detects the language of a text with Compact Language Detector 2 (CLD2, Debian's
/// `libcld2-dev`): n-gram statistics over the text's scripts, 83 languages, thread-safe.
///
/// The writer asks it only for documents that declare no language, and only in an index that
/// opts in (``IndexWriterOptions/languageDetection``, `trawl index --language auto`).
///
/// ```swift
/// LanguageDetection.detect("Im Dorf stand ein altes Haus.")   // Detected(code: "de", percent: 98, reliable: true)
/// ```
public enum LanguageDetection {
    /// A detected language.
    public struct Detected: Sendable, Hashable {
        /// The language code (ISO 639-1 where one exists: `en`, `de`, `zh`).
        public var code: String
        /// The share of the text's letters in that language, 0–100.
        public var percent: Int
        /// Whether CLD2 deems the answer reliable (enough text, a clear winner).
        public var reliable: Bool
    }

    /// How many leading UTF-8 bytes of a text are read (CLD2's answer settles long before).
    public static let maximumBytes = 16 << 10

    /// CLD2's old codes and the ISO 639-1 codes that replaced them.
    private static let modernCodes = ["iw": "he", "in": "id", "ji": "yi", "jw": "jv"]

    /// The language of `text`, or nil when CLD2 does not know it.
    public static func detect(_ text: String) -> Detected? {
        var copy = text
        return copy.withUTF8 { detect(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// The language of UTF-8 text (its first ``maximumBytes``, cut at a character boundary),
    /// or nil when CLD2 does not know it or the text is not valid UTF-8.
    public static func detect(utf8 text: UnsafeRawBufferPointer) -> Detected? {
        guard let base = text.baseAddress, !text.isEmpty else { return nil }
        var length = min(text.count, maximumBytes)
        if length < text.count {
            while length > 0, text[length] & 0xC0 == 0x80 { length -= 1 }
        }
        var code = [CChar](repeating: 0, count: 16)
        var percent: Int32 = 0, reliable: Int32 = 0
        trawl_cld2_detect(base.assumingMemoryBound(to: CChar.self), Int32(length), &code, Int32(code.count), &percent, &reliable)
        let raw = String(decoding: code.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard raw != "un", let primary = DocumentLanguage.code(declared: raw) else { return nil }
        return Detected(code: modernCodes[primary] ?? primary, percent: Int(percent), reliable: reliable != 0)
    }

    /// The least share of a text (percent) its detected language must have for a document to
    /// take it: CLD2 deems some English newswire full of foreign names reliably Malay or German
    /// while giving that language no share of the text at all.
    public static let minimumPercent = 70

    /// The language of a document's title and body when CLD2 is confident of it (a reliable
    /// answer covering at least ``minimumPercent`` of the text); nil otherwise.
    static func detect(_ document: Document) -> String? {
        var text = document.title
        text += "\n"
        text += document.body.utf8.count > maximumBytes ? String(decoding: document.body.utf8.prefix(maximumBytes), as: UTF8.self) : document.body
        guard let detected = detect(text), detected.reliable, detected.percent >= minimumPercent else { return nil }
        return detected.code
    }
}
