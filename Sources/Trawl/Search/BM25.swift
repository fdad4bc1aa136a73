/// BM25 parameters and scoring (Lucene's formulation): `idf · tf / (tf + k1 · (1 − b + b · dl / avgdl))`,
/// multiplied by the field weight and query boost.
///
/// `idf = ln(1 + (N − n + 0.5) / (n + 0.5))`, with N the documents that have the field and n the
/// documents containing the term. Field lengths are 1-byte codes (``FieldLengthCode``), so the
/// length part of the denominator comes from a 256-entry table built once per field and query.
/// Lucene and Tantivy leave out the `(k1 + 1)` factor of the textbook numerator; so do we, which
/// keeps scores comparable with theirs and changes no ranking.
public struct BM25: Sendable, Hashable, Codable {
    /// Term-frequency saturation of single-field BM25 (field-scoped words, phrases).
    public var k1: Float = 1.2
    /// Length normalization strength.
    public var b: Float = 0.75
    /// Saturation of BM25F, applied once to the weighted sum of a word's field frequencies.
    /// The sum is larger than one field's frequency (the title counts twice by default), so it
    /// saturates later: 2.0 scored best over the seven classic test collections (mean MAP
    /// 0.400 against 0.393 with 1.2).
    public var multiFieldK1: Float = 2.0

    /// The defaults: k1 1.2, b 0.75, BM25F k1 2.0.
    public init(k1: Float = 1.2, b: Float = 0.75, multiFieldK1: Float = 2.0) {
        self.k1 = k1
        self.b = b
        self.multiFieldK1 = multiFieldK1
    }

    /// Lucene's idf.
    static func idf(documentFrequency n: Int, documentCount N: Int) -> Float {
        let n = Double(n), N = Double(max(N, 1))
        return Float(log(1 + (N - n + 0.5) / (n + 0.5)))
    }

    /// The 256-entry table of BM25F field factors `weight / (1 − b + b · length / avgdl)`.
    func fieldFactors(averageLength: Float, weight: Float) -> [Float] {
        let avg = averageLength > 0 ? averageLength : 1
        return (0..<256).map { code in
            weight / (1 - b + b * Float(FieldLengthCode.decode(UInt8(code))) / avg)
        }
    }

    /// The 256-entry table of `k1 · (1 − b + b · length / avgdl)` for each length code.
    func lengthNormalization(averageLength: Float) -> [Float] {
        let avg = averageLength > 0 ? averageLength : 1
        return (0..<256).map { code in
            k1 * (1 - b + b * Float(FieldLengthCode.decode(UInt8(code))) / avg)
        }
    }
}

/// A term's scoring constants in one field: weight (idf × field weight × boost) and the
/// field's length-normalization table.
struct TermWeight: Sendable {
    /// idf × field weight × query boost.
    var weight: Float
    /// Per length code: `k1 · (1 − b + b · dl / avgdl)`.
    var normalization: [Float]
    /// The parts of ``weight`` and the field's average length, for explanations.
    var idf: Float = 0
    var fieldWeight: Float = 1
    var boost: Float = 1
    var averageLength: Float = 1

    /// The score of one occurrence count in a document with this length code.
    @inline(__always)
    func score(freq: UInt32, lengthCode: UInt8) -> Float {
        let tf = Float(freq)
        return weight * tf / (tf + normalization[Int(lengthCode)])
    }

    /// An upper bound of ``score(freq:lengthCode:)`` for any freq ≤ `maxFreq` and any length
    /// code ≥ `minLengthCode` (the score grows with freq and shrinks with length).
    @inline(__always)
    func maxScore(maxFreq: UInt32, minLengthCode: UInt8) -> Float {
        score(freq: maxFreq, lengthCode: minLengthCode)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
