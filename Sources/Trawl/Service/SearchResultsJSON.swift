/// The JSON shape of search results that `trawl search --json` prints and the server's
/// `GET /search` answers (documented in docs/json-output.md).
extension SearchResults {
    /// `{"query", "total", "total_relation", "took_ms", "hits", "facets"?, "suggestion"?}`.
    public func json(query: String) -> JSON {
        var members: [(String, JSON)] = [
            ("query", .string(query)), ("total", .int(total)),
            ("total_relation", .string(totalRelation.rawValue)),
            ("took_ms", .double(Double(tookMicroseconds) / 1000)),
            ("hits", .array(hits.map(\.json))),
        ]
        if !facets.isEmpty { members.append(("facets", FacetResult.json(facets))) }
        if let suggestion {
            members.append(("suggestion", .object([("query", .string(suggestion.query)), ("total", .int(suggestion.total))])))
        }
        return .object(members)
    }
}

extension SearchHit {
    /// One hit: `id`, `score` (4 decimals), `title`, `date`, `snippet`, `highlights` (byte
    /// ranges in the snippet), `fields`, `path`, `line`, `page`.
    public var json: JSON {
        var members: [(String, JSON)] = [
            ("id", .string(id)), ("score", .double((Double(score) * 10_000).rounded() / 10_000)),
            ("title", .string(title)), ("date", date.map { .string($0.description) } ?? .null),
        ]
        if let snippet {
            members.append(("snippet", .string(snippet.text)))
            members.append(("highlights", .array(snippet.highlights.map { .array([.int($0.lowerBound), .int($0.upperBound)]) })))
        } else {
            members.append(("snippet", .null))
            members.append(("highlights", .array([])))
        }
        members.append(("fields", .object(fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) })))
        members.append(("path", path.map { .string($0) } ?? .null))
        members.append(("line", line.map { .int($0) } ?? .null))
        members.append(("page", page.map { .int($0) } ?? .null))
        return .object(members)
    }
}

extension FieldValue {
    /// A metadata value as JSON: keyword lists as arrays, numbers and bools as such, dates in ISO 8601.
    public var json: JSON {
        switch self {
        case .string(let s): return .string(s)
        case .strings(let list): return .array(list.map { .string($0) })
        case .integer(let n): return .int(Int(n))
        case .double(let d): return .double(d)
        case .bool(let b): return .bool(b)
        case .date(let d): return .string(d.description)
        }
    }
}

extension FacetResult {
    /// `{"tags": [{"value": "energy", "count": 12}, …], …}`; number ranges add `from` and `to`.
    public static func json(_ facets: [FacetResult]) -> JSON {
        .object(facets.map { facet in
            (facet.name, .array(facet.buckets.map { bucket in
                var members: [(String, JSON)] = [("value", .string(bucket.value)), ("count", .int(bucket.count))]
                if case .ranges = facet.grouping {
                    members.append(("from", bucket.from.map { .double($0) } ?? .null))
                    members.append(("to", bucket.to.map { .double($0) } ?? .null))
                }
                return .object(members)
            }))
        })
    }
}
