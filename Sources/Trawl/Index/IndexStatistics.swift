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
        return IndexStatistics(documents: documentCount, deletedDocuments: deletedDocumentCount, segments: segments.count,
                               generation: generation, termsPerField: terms, bytesPerFileKind: bytes,
                               dateRange: dateRange, analyzer: manifest.analyzer, storesBody: manifest.storesBody,
                               roots: indexedRoots)
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
