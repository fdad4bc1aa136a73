/// A summary of an index: documents, segments, terms per field, bytes per file kind, dates.
public struct IndexStatistics: Sendable, Equatable, Codable {
    /// Live documents.
    public var documents: Int
    /// Deleted documents not yet merged away.
    public var deletedDocuments: Int
    /// Segments in the commit.
    public var segments: Int
    /// The commit generation.
    public var generation: Int
    /// Distinct terms per field, summed over segments (a term in two segments counts twice).
    public var termsPerField: [String: Int]
    /// Bytes per file kind (file extension), plus `total`.
    public var bytesPerFileKind: [String: Int]
    /// The earliest and latest document date, when any document has one. Both ends have the
    /// same precision: days when both fall on midnight UTC (dates given as days), otherwise
    /// seconds, so the two print alike (`2024-03-05 … 2024-06-01`, or
    /// `2024-03-05T00:00:00Z … 2024-06-01T14:30:00Z`).
    public var dateRange: ClosedRange<DocumentDate>?
    /// The analyzer that built the index.
    public var analyzer: AnalyzerConfiguration
    /// Whether bodies are stored (snippets need them).
    public var storesBody: Bool
    /// The folders and files indexed into the index (``IndexReader/indexedRoots``).
    public var roots: [String] = []
    /// Every field with its type and what its live documents hold, by name.
    public var fields: [FieldSummary] = []
    /// The index's default language (its analyzer's; nil for an analyzer without a stemmer).
    public var defaultLanguage: String? = nil
    /// Live documents per language: those that declare (or were detected in) a language by
    /// its code, the others under the default language (or `""` without one).
    public var languages: [String: Int] = [:]
    /// Whether documents that declare no language get a detected one.
    public var detectsLanguages = false
}

/// What one field holds over the live documents of an index.
public struct FieldSummary: Sendable, Equatable, Codable {
    /// The field's name.
    public var name: String
    /// Its type.
    public var type: FieldType
    /// Live documents with a value (text fields: with at least one word).
    public var documents: Int
    /// Distinct values (keyword and bool fields; distinct terms, summed over segments, for text).
    public var distinctValues: Int?
    /// The smallest value (number and date fields), as text (`3`, `2.5`, `2024-03-05`).
    public var minimum: String?
    /// The largest value (number and date fields).
    public var maximum: String?
}

/// The outcome of checking an index.
public struct IndexCheckReport: Sendable, Equatable, Codable {
    /// Files whose header and checksum were verified.
    public var filesChecked: Int
    /// Bytes read.
    public var bytesChecked: Int
    /// Terms whose postings were decoded and counted.
    public var termsChecked: Int
    /// Problems found, one sentence each (empty when healthy).
    public var problems: [String]

    /// Whether no problem was found.
    public var isHealthy: Bool { problems.isEmpty }
}

extension IndexReader {
    /// Counts and sizes of the index.
    public func statistics() -> IndexStatistics {
        var terms: [String: Int] = [:]
        var bytes: [String: Int] = [:]
        var low: Int64?, high: Int64?
        for segment in segments {
            for field in segment.meta.fields where !field.name.hasPrefix("_") { terms[field.name, default: 0] += field.termCount }
            for (kind, size) in segment.meta.fileSizes { bytes[kind, default: 0] += size }
            if let range = segment.dates.range {
                low = min(low ?? range.lowerBound, range.lowerBound)
                high = max(high ?? range.upperBound, range.upperBound)
            }
        }
        var total = bytes.values.reduce(0, +)
        bytes["commit"] = manifestSize
        total += manifestSize
        for segment in segments {
            if let live = segment.meta.liveDocumentsFile, let input = segment.inputs.first(where: { $0.name == live }) {
                bytes["live", default: 0] += input.bytes.count
                total += input.bytes.count
            }
        }
        bytes["total"] = total
        var dateRange: ClosedRange<DocumentDate>?
        if let low, let high {
            // (The date column keeps seconds only: a value on midnight UTC is taken for a day.)
            let precision: DocumentDate.Precision = low % 86_400 == 0 && high % 86_400 == 0 ? .day : .second
            dateRange = DocumentDate(secondsSinceEpoch: low, precision: precision)...DocumentDate(secondsSinceEpoch: high, precision: precision)
        }
        var statistics = IndexStatistics(documents: documentCount, deletedDocuments: deletedDocumentCount, segments: segments.count,
                                         generation: generation, termsPerField: terms, bytesPerFileKind: bytes,
                                         dateRange: dateRange, analyzer: manifest.analyzer, storesBody: manifest.storesBody,
                                         roots: indexedRoots, fields: fieldSummaries(dateRange: dateRange))
        statistics.defaultLanguage = defaultLanguage
        statistics.languages = languageCounts()
        statistics.detectsLanguages = manifest.userData[IndexSchema.languageDetectionKey] == "on"
        return statistics
    }

    /// Live documents per language (see ``IndexStatistics/languages``).
    func languageCounts() -> [String: Int] {
        var counts: [String: Int] = [:]
        var declared = 0
        for segment in segments {
            guard let column = segment.columns.keywords[DocumentLanguage.field] else { continue }
            var perOrdinal = [Int](repeating: 0, count: column.valueCount)
            for doc in 0..<segment.documentCount where segment.isLive(doc) {
                if let ordinal = column.ordinals(of: doc).first {
                    perOrdinal[ordinal] += 1
                    declared += 1
                }
            }
            for (ordinal, count) in perOrdinal.enumerated() where count > 0 {
                let value = column.foldedString(ordinal)
                counts[DocumentLanguage.code(declared: value) ?? value, default: 0] += count
            }
        }
        if documentCount > declared { counts[defaultLanguage ?? "", default: 0] += documentCount - declared }
        return counts
    }

    /// Per field: documents with a value, distinct values, smallest and largest value, read
    /// from the columns (and, for text, the field lengths) of live documents.
    func fieldSummaries(dateRange: ClosedRange<DocumentDate>?) -> [FieldSummary] {
        var result: [FieldSummary] = []
        for (name, type) in schema.types.sorted(by: { $0.key < $1.key }) {
            var entry = FieldSummary(name: name, type: type, documents: 0)
            switch type {
            case .text:
                var terms = 0
                for segment in segments {
                    guard let meta = segment.fieldsByName[name] else { continue }
                    terms += meta.termCount
                    guard let codes = segment.fieldLengths.codes(field: meta.number) else { continue }
                    for doc in 0..<segment.documentCount where segment.isLive(doc) && codes[doc] != 0 { entry.documents += 1 }
                }
                entry.distinctValues = terms
            case .keyword, .bool:
                var distinct: Set<String> = []
                for segment in segments {
                    guard let column = segment.columns.keywords[name] else { continue }
                    let bytes = column.bytes
                    var used = [Bool](repeating: false, count: column.valueCount)
                    for doc in 0..<segment.documentCount where segment.isLive(doc) {
                        let range = column.valueRange(doc, bytes)
                        if !range.isEmpty { entry.documents += 1 }
                        for i in range { used[column.ordinal(at: i, bytes)] = true }
                    }
                    for ordinal in used.indices where used[ordinal] { distinct.insert(column.foldedString(ordinal)) }
                }
                entry.distinctValues = distinct.count
            case .number, .date:
                if name == IndexSchema.dateField {
                    for segment in segments {
                        for doc in 0..<segment.documentCount where segment.isLive(doc) && segment.dates.value(doc) != DateColumn.missing {
                            entry.documents += 1
                        }
                    }
                    entry.minimum = dateRange?.lowerBound.description
                    entry.maximum = dateRange?.upperBound.description
                    break
                }
                var low = Double.infinity, high = -Double.infinity
                var allDays = true
                for segment in segments {
                    guard let column = segment.columns.numerics[name] else { continue }
                    let bytes = column.bytes
                    for doc in 0..<segment.documentCount where segment.isLive(doc) {
                        let v = column.double(doc, bytes)
                        if v.isNaN { continue }
                        entry.documents += 1
                        low = min(low, v)
                        high = max(high, v)
                        if v.truncatingRemainder(dividingBy: 86_400) != 0 { allDays = false }
                    }
                }
                if entry.documents > 0 {
                    if type == .date {
                        let precision: DocumentDate.Precision = allDays ? .day : .second
                        entry.minimum = DocumentDate(secondsSinceEpoch: Int64(low), precision: precision).description
                        entry.maximum = DocumentDate(secondsSinceEpoch: Int64(high), precision: precision).description
                    } else {
                        entry.minimum = FieldValue.format(low)
                        entry.maximum = FieldValue.format(high)
                    }
                }
            }
            result.append(entry)
        }
        return result
    }

    /// Verifies every file's checksum and decodes every posting list, comparing counts with the
    /// term dictionary. Damage is reported, never repaired.
    public func check() -> IndexCheckReport {
        // The manifest was verified whole when the reader opened it; the segment files are
        // verified over the mapped bytes that searches read (still valid after a writer has
        // deleted the files of an older commit).
        var report = IndexCheckReport(filesChecked: 1, bytesChecked: manifestSize, termsChecked: 0, problems: [])
        for segment in segments {
            for input in segment.inputs {
                do throws(TrawlError) {
                    try FileEnvelope.verifyChecksum(input.bytes, fileName: directory.location + "/" + input.name)
                    report.filesChecked += 1
                    report.bytesChecked += input.bytes.count
                } catch {
                    report.problems.append(error.description)
                }
            }
        }
        guard report.problems.isEmpty else { return report }
        for segment in segments {
            for field in segment.meta.fields {
                guard let terms = segment.dictionary.terms(forField: field.name) else {
                    report.problems.append("segment \(segment.meta.name): field \(field.name) is missing from the term dictionary")
                    continue
                }
                do throws(TrawlError) {
                    var iterator = terms.makeIterator()
                    var count = 0
                    while try iterator.next() {
                        count += 1
                        var cursor = try segment.cursor(field: field.name, info: iterator.info)
                        let (docs, freqs) = cursor.drain()
                        try cursor.throwIfCorrupt()
                        if docs != Int(iterator.info.docFreq) || freqs != iterator.info.totalTermFreq {
                            report.problems.append("segment \(segment.meta.name): postings of a \(field.name) term disagree with the dictionary")
                        }
                    }
                    report.termsChecked += count
                    if count != field.termCount {
                        report.problems.append("segment \(segment.meta.name): field \(field.name) has \(count) terms, the commit says \(field.termCount)")
                    }
                } catch {
                    report.problems.append(error.description)
                }
            }
            do throws(TrawlError) {
                if segment.documentCount > 0 {
                    _ = try segment.store.document(0)
                    _ = try segment.store.document(segment.documentCount - 1)
                }
            } catch {
                report.problems.append(error.description)
            }
        }
        return report
    }
}
