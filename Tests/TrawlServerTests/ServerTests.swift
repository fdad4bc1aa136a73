import Foundation
import Testing
import Trawl
@testable import TrawlServer

/// The server over real HTTP on loopback: documents, bulk, refresh semantics, native search,
/// admin endpoints, bad input, keys, shutdown.
@Suite(.serialized)
struct ServerTests {
    static let articles: [(id: String, json: String)] = [
        ("1", #"{"title": "Oil sanctions widen", "date": "2024-03-01T10:00:00Z", "body": "Importing nations widened sanctions on crude oil exports.", "tags": ["energy", "policy"], "words": 9}"#),
        ("2", #"{"title": "Harvest report", "date": "2024-05-02", "body": "Wheat harvest beats forecasts; grain prices fall.", "tags": ["farming"], "words": 7}"#),
        ("3", #"{"title": "Tanker rates climb", "body": "Crude tanker rates climbed as oil exports shifted.", "author": "Jane Doe"}"#),
        ("4", #"{"title": "Refinery outage", "date": "2023-11-20", "body": "An outage at a refinery cut fuel output; oil prices rose.", "tags": ["energy"]}"#),
    ]

    private func load(_ server: RunningServer) async {
        for article in Self.articles {
            let answer = await server.send("PUT", "/articles/_doc/\(article.id)", json: article.json)
            #expect(answer.status == 201, "\(answer.text)")
        }
        #expect(await server.send("POST", "/articles/_refresh").status == 200)
    }

    private func searchIDs(_ server: RunningServer, _ query: String) async -> [String] {
        let q = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let answer = await server.send("GET", "/search?q=\(q)&limit=50")
        return answer.json?["hits"]?.arrayElements?.compactMap { $0["id"]?.stringValue } ?? []
    }

    @Test func documentsBecomeVisibleAtRefreshAndGetIsRealTime() async throws {
        let server = try await RunningServer.start()
        let created = await server.send("PUT", "/articles/_doc/a", json: #"{"title": "Oil", "body": "crude oil exports"}"#)
        #expect(created.status == 201)
        #expect(created.json?["result"]?.stringValue == "created")
        #expect(created.json?["_version"]?.intValue == 1)
        // Real-time get, but not yet searchable.
        let got = await server.send("GET", "/articles/_doc/a")
        #expect(got.status == 200)
        #expect(got.json?["_source"]?["body"]?.stringValue == "crude oil exports")
        #expect(await searchIDs(server, "oil") == [])
        #expect(await server.send("POST", "/articles/_refresh").status == 200)
        #expect(await searchIDs(server, "oil") == ["a"])
        // Replacing answers `updated` with the next version.
        let replaced = await server.send("PUT", "/articles/_doc/a", json: #"{"title": "Wheat", "body": "grain"}"#)
        #expect(replaced.status == 200)
        #expect(replaced.json?["result"]?.stringValue == "updated")
        #expect(replaced.json?["_version"]?.intValue == 2)
        let deleted = await server.send("DELETE", "/articles/_doc/a?refresh=true")
        #expect(deleted.status == 200)
        #expect(deleted.json?["result"]?.stringValue == "deleted")
        #expect(await searchIDs(server, "wheat") == [])
        let missing = await server.send("GET", "/articles/_doc/a")
        #expect(missing.status == 404)
        #expect(missing.json?["found"]?.boolValue == false)
        let again = await server.send("DELETE", "/articles/_doc/a")
        #expect(again.status == 404)
        #expect(again.json?["result"]?.stringValue == "not_found")
        #expect(await server.send("HEAD", "/articles/_doc/a").status == 404)
        await server.finish()
    }

    @Test func refreshTrueIsVisibleAndOnDiskBeforeTheAnswer() async throws {
        let server = try await RunningServer.start()
        let answer = await server.send("POST", "/articles/_doc/x?refresh=true", json: #"{"title": "Zurich talks", "body": "Talks in Zurich."}"#)
        #expect(answer.status == 201)
        #expect(await searchIDs(server, "zurich") == ["x"])
        // A separate reader of the folder sees the commit.
        let reader = try IndexReader(path: server.indexPath)
        #expect(try reader.document(id: "x")?.title == "Zurich talks")
        // A generated id.
        let generated = await server.send("POST", "/articles/_doc?refresh=true", json: #"{"title": "Generated"}"#)
        #expect(generated.status == 201)
        let id = try #require(generated.json?["_id"]?.stringValue)
        #expect(id.count == 20)
        #expect(await server.send("GET", "/articles/_doc/\(id)").json?["_source"]?["title"]?.stringValue == "Generated")
        #expect(await server.send("GET", "/articles/_doc/x?refresh=maybe").status == 400)
        await server.finish()
    }

    @Test func bulkAnswersPerItem() async throws {
        let server = try await RunningServer.start()
        let body = """
            {"index": {"_index": "articles", "_id": "1"}}
            {"title": "First", "body": "oil"}
            {"create": {"_index": "articles", "_id": "1"}}
            {"title": "Conflict"}
            {"index": {"_id": "2"}}
            {"title": "Second", "body": "grain"}
            {"update": {"_id": "2"}}
            {"doc": {"body": "grain and oil"}}
            {"delete": {"_id": "3"}}
            {"index": {"_id": "4"}}
            {"title": "broken
            {"index": {"_index": "other", "_id": "5"}}
            {"title": "elsewhere"}
            {"index": {"_id": "1"}}
            {"title": "First again", "body": "oil"}

            """
        let answer = await server.send("POST", "/articles/_bulk?refresh=true", body: Array(body.utf8),
                                       headers: ["Content-Type": "application/x-ndjson"])
        #expect(answer.status == 200)
        let json = try #require(answer.json)
        #expect(json["errors"]?.boolValue == true)
        let items = try #require(json["items"]?.arrayElements)
        let statuses = items.compactMap { $0.objectMembers?.first?.1["status"]?.intValue }
        #expect(statuses == [201, 409, 201, 200, 404, 400, 404, 200])
        let kinds = items.compactMap { $0.objectMembers?.first?.0 }
        #expect(kinds == ["index", "create", "index", "update", "delete", "index", "index", "index"])
        #expect(items[5]["index"]?["error"]?["type"]?.stringValue == "mapper_parsing_exception")
        #expect(await server.send("GET", "/articles/_doc/2").json?["_source"]?["body"]?.stringValue == "grain and oil")
        #expect(await server.send("GET", "/articles/_doc/1").json?["_source"]?["title"]?.stringValue == "First again")
        #expect(Set(await searchIDs(server, "oil")) == ["1", "2"])
        // /_bulk without an index in the URL takes each action's.
        let global = await server.send("POST", "/_bulk", body: Array(#"{"delete": {"_index": "articles", "_id": "2"}}\#n"#.utf8))
        #expect(global.json?["errors"]?.boolValue == false)
        // A malformed action line fails the whole request.
        let malformed = await server.send("POST", "/_bulk", body: Array("{\"index\": \n{}\n".utf8))
        #expect(malformed.status == 400)
        #expect(malformed.errorType == "illegal_argument_exception")
        let unknown = await server.send("POST", "/_bulk", body: Array("{\"upsert\": {}}\n{}\n".utf8))
        #expect(unknown.status == 400)
        #expect(unknown.errorReason?.contains("upsert") == true)
        await server.finish()
    }

    @Test func updateMergesPartialDocuments() async throws {
        let server = try await RunningServer.start()
        _ = await server.send("PUT", "/articles/_doc/u", json: #"{"title": "Before", "body": "text", "author": "Ann"}"#)
        let updated = await server.send("POST", "/articles/_update/u", json: #"{"doc": {"title": "After"}}"#)
        #expect(updated.status == 200)
        #expect(updated.json?["result"]?.stringValue == "updated")
        let source = await server.send("GET", "/articles/_doc/u").json?["_source"]
        #expect(source?["title"]?.stringValue == "After")
        #expect(source?["author"]?.stringValue == "Ann")
        let noop = await server.send("POST", "/articles/_update/u", json: #"{"doc": {"title": "After"}}"#)
        #expect(noop.json?["result"]?.stringValue == "noop")
        let missing = await server.send("POST", "/articles/_update/none", json: #"{"doc": {"title": "x"}}"#)
        #expect(missing.status == 404)
        #expect(missing.errorType == "document_missing_exception")
        let upsert = await server.send("POST", "/articles/_update/new", json: #"{"doc": {"title": "x"}, "doc_as_upsert": true}"#)
        #expect(upsert.status == 201)
        let script = await server.send("POST", "/articles/_update/u", json: #"{"script": "ctx._source.x = 1"}"#)
        #expect(script.status == 400)
        #expect(script.errorReason?.contains("script") == true)
        await server.finish()
    }

    @Test func nativeSearchEqualsTheLibrarysSearch() async throws {
        let server = try await RunningServer.start()
        await load(server)
        let reader = try IndexReader(path: server.indexPath)
        for (query, sort) in [("oil", "relevance"), ("crude OR grain", "relevance"), ("oil", "-date"), ("title:harvest", "relevance"),
                              ("\"oil exports\"", "relevance"), ("tags:energy", "date"), ("nothingmatches", "relevance")] {
            var parser = reader.queryParser()
            parser.defaultOperator = .and
            var request = SearchRequest(query: try parser.parse(query), limit: 3, offset: 0)
            request.snippets = true
            request.suggestionText = query
            request.sortFields = try SortField.parse(sort, schema: reader.schema).get()
            let expected = try reader.search(request).json(query: query)
            let q = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
            let answer = await server.send("GET", "/search?q=\(q)&limit=3&sort=\(sort)")
            #expect(answer.status == 200)
            let got = try #require(answer.json)
            #expect(got["hits"] == expected["hits"], "\(query)")
            #expect(got["total"] == expected["total"])
            #expect(got["query"]?.stringValue == query)
            #expect(got["suggestion"] == expected["suggestion"])
        }
        // Paging.
        let all = await searchIDs(server, "oil")
        let second = await server.send("GET", "/search?q=oil&limit=1&offset=1")
        #expect(second.json?["hits"]?.arrayElements?.first?["id"]?.stringValue == all[1])
        // `+` in a query string is a space.
        #expect(await server.send("GET", "/search?q=crude+oil").json?["query"]?.stringValue == "crude oil")
        // Bad requests name the problem.
        let syntax = await server.send("GET", "/search?q=%22unclosed")
        #expect(syntax.status == 400)
        #expect(syntax.errorReason?.contains("column") == true)
        #expect(await server.send("GET", "/search").status == 400)
        #expect(await server.send("GET", "/search?q=oil&limit=-1").status == 400)
        #expect(await server.send("GET", "/search?q=oil&sort=nosuchfield").status == 400)
        let long = String(repeating: "a ", count: 5000)
        #expect(await server.send("GET", "/search?q=\(long.replacingOccurrences(of: " ", with: "+"))").status == 400)
        await server.finish()
    }

    /// The server's ranking (`trawl serve --near --weights ...`) reaches `/search` (whose `near`
    /// and `expand` parameters change it per request), `_search` and the page: each answers as
    /// the library does for a request with those settings, and differs from the default.
    @Test func serverRankingReachesEverySearch() async throws {
        var ranking = SearchRanking()
        ranking.fieldWeights = ["title": 0.5, "body": 1]
        ranking.proximity = TermProximity(weight: 0.4, window: 3)
        let server = try await RunningServer.start(ranking: ranking)
        let plain = try await RunningServer.start()
        for running in [server, plain] {
            await load(running)
            // A title match and a body match of "harbour", which the title weight orders.
            #expect(await running.send("PUT", "/articles/_doc/h1", json: #"{"title": "Harbour", "body": "A quiet day."}"#).status == 201)
            #expect(await running.send("PUT", "/articles/_doc/h2?refresh=true",
                                       json: #"{"title": "Report", "body": "Harbour traffic: the harbour and the old harbour."}"#).status == 201)
        }
        let reader = try IndexReader(path: server.indexPath)
        func expected(_ query: String, _ ranking: SearchRanking) throws -> JSON {
            var parser = reader.queryParser()
            parser.defaultOperator = .and
            var request = SearchRequest(query: try parser.parse(query), limit: 4)
            request.snippets = true
            request.suggestionText = query
            request.fieldWeights = ranking.fieldWeights
            request.proximity = ranking.proximity
            return try reader.search(request).json(query: query)
        }
        var withoutNear = ranking
        withoutNear.proximity = nil
        var differs = false
        for query in ["crude OR oil OR exports", "oil exports", "crude OR tanker OR rates", "oil OR prices", "harbour"] {
            let q = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
            let answer = try #require(await server.send("GET", "/search?q=\(q)&limit=4").json)
            #expect(answer["hits"] == (try expected(query, ranking))["hits"], "\(query)")
            let off = try #require(await server.send("GET", "/search?q=\(q)&limit=4&near=false").json)
            #expect(off["hits"] == (try expected(query, withoutNear))["hits"], "\(query)")
            let other = try #require(await plain.send("GET", "/search?q=\(q)&limit=4").json)
            if other["hits"] != answer["hits"] { differs = true }
            // `_search` ranks alike: the same ids and scores as the library (exact floats).
            let body = #"{"size": 4, "query": {"query_string": {"query": "\#(query)", "default_operator": "AND"}}}"#
            let searched = try #require(await server.send("POST", "/articles/_search", json: body).json)
            var request = SearchRequest(query: try reader.queryParser().parse(query), limit: 4)
            request.ranking = ranking
            let library = try reader.search(request).hits
            let hits = searched["hits"]?["hits"]?.arrayElements ?? []
            #expect(hits.compactMap { $0["_id"]?.stringValue } == library.map(\.id), "\(query)")
            #expect(hits.compactMap { $0["_score"]?.doubleValue } == library.map { Double($0.score) }, "\(query)")
        }
        #expect(differs)
        #expect(await server.send("GET", "/search?q=oil&near=maybe").status == 400)
        // The page lists its hits in the library's order for the server's ranking.
        var pageDiffers = false
        for query in ["oil", "crude oil", "oil exports", "harbour"] {
            let q = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
            let page = await server.send("GET", "/?q=\(q)", headers: ["Accept": "text/html"])
            let listed = page.text.components(separatedBy: "<li class=\"hit\" data-id=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            let request = SearchPageRequest(parameters: [("q", query)])
            let library = SearchPage(reader: reader, indexName: "articles", ranking: ranking).outcome(for: request).results?.hits.map(\.id)
            #expect(!listed.isEmpty && listed == library, "\(query)")
            if SearchPage(reader: reader, indexName: "articles").outcome(for: request).results?.hits.map(\.id) != library { pageDiffers = true }
        }
        #expect(pageDiffers)
        await server.finish()
        await plain.finish()
    }

    @Test func adminEndpoints() async throws {
        let server = try await RunningServer.start()
        await load(server)
        let root = await server.send("GET", "/")
        #expect(root.status == 200)
        #expect(root.json?["version"]?["distribution"]?.stringValue == "opensearch")
        #expect(root.json?["version"]?["number"]?.stringValue != nil)
        #expect(await server.send("HEAD", "/articles").status == 200)
        #expect(await server.send("HEAD", "/other").status == 404)
        let index = await server.send("GET", "/articles")
        #expect(index.json?["articles"]?["mappings"] != nil)
        #expect(index.json?["articles"]?["settings"]?["index"]?["number_of_shards"]?.stringValue == "1")
        let missing = await server.send("GET", "/other")
        #expect(missing.status == 404)
        #expect(missing.errorType == "index_not_found_exception")
        let cat = await server.send("GET", "/_cat/indices?format=json")
        #expect(cat.json?.arrayElements?.first?["docs.count"]?.stringValue == "4")
        #expect(cat.json?.arrayElements?.first?["index"]?.stringValue == "articles")
        let text = await server.send("GET", "/_cat/indices?v")
        #expect(text.text.hasPrefix("health status index"))
        #expect(text.text.contains("articles"))
        let analyzed = await server.send("POST", "/articles/_analyze", json: #"{"text": "Crude tankers — Zürich"}"#)
        let tokens = analyzed.json?["tokens"]?.arrayElements ?? []
        let expected = try Analyzer(.english).analyze("Crude tankers — Zürich").map(\.term)
        #expect(tokens.compactMap { $0["token"]?.stringValue } == expected)
        // UTF-16 offsets: "Zürich" starts at 16 (the dash is one unit).
        #expect(tokens.last?["start_offset"]?.intValue == 16)
        #expect(await server.send("POST", "/articles/_analyze", json: #"{"text": "x", "analyzer": "klingon"}"#).status == 400)
        let merged = await server.send("POST", "/articles/_forcemerge")
        #expect(merged.status == 200)
        #expect(try IndexReader(path: server.indexPath).documentCount == 4)
        let health = await server.send("GET", "/_health")
        #expect(health.json?["documents"]?.intValue == 4)
        // PUT of an index that holds documents already exists.
        let create = await server.send("PUT", "/articles", json: "{}")
        #expect(create.status == 400)
        #expect(create.errorType == "resource_already_exists_exception")
        #expect(await server.send("PUT", "/other", json: "{}").status == 400)
        await server.finish()
    }

    @Test func creatingAnEmptyIndexIsAcknowledged() async throws {
        let server = try await RunningServer.start()
        let create = await server.send("PUT", "/articles", json: #"{"settings": {"number_of_shards": 1}, "mappings": {"properties": {"month": {"type": "keyword"}, "pages": {"type": "integer"}}}}"#)
        #expect(create.status == 200, "\(create.text)")
        #expect(create.json?["acknowledged"]?.boolValue == true)
        // The declared types hold: a keyword field takes a string as one whole value.
        #expect(server.service.reader.schema["month"] == .keyword)
        #expect(await server.send("PUT", "/articles/_doc/1?refresh=true", json: #"{"title": "x", "month": "1987-03", "pages": 4}"#).status == 201)
        let hits = await server.send("GET", "/search?q=month:%221987-03%22")
        #expect(hits.json?["total"]?.intValue == 1, "\(hits.text)")
        let mappings = await server.send("GET", "/articles")
        #expect(mappings.json?["articles"]?["mappings"]?["properties"]?["month"]?["type"]?.stringValue == "keyword")
        let bad = await server.send("PUT", "/articles", json: #"{"aliases": {}}"#)
        #expect(bad.status == 400)
        await server.finish()
    }

    /// `DELETE /{index}` empties the index and its mappings in one commit that survives a
    /// restart; the index is served on, and new mappings of other types can be declared.
    @Test func deletingTheIndexEmptiesItAndItsMappings() async throws {
        let server = try await RunningServer.start()
        let create = await server.send("PUT", "/articles", json: #"{"mappings": {"properties": {"pages": {"type": "integer"}}}}"#)
        #expect(create.status == 200, "\(create.text)")
        await load(server)
        #expect(await server.send("PUT", "/articles/_doc/9", json: #"{"title": "buffered", "pages": 3}"#).status == 201)
        #expect(await server.send("GET", "/articles/_count").json?["count"]?.intValue == 4)
        #expect(await server.send("DELETE", "/elsewhere").status == 404)
        let deleted = await server.send("DELETE", "/articles")
        #expect(deleted.status == 200, "\(deleted.text)")
        #expect(deleted.json?["acknowledged"]?.boolValue == true)
        #expect(await server.send("GET", "/articles/_count").json?["count"]?.intValue == 0)
        #expect(await server.send("GET", "/articles/_doc/1").status == 404)
        #expect(await server.send("GET", "/articles/_doc/9").status == 404)
        #expect(await searchIDs(server, "oil") == [])
        #expect(server.service.reader.schema["pages"] == nil)
        // Gone on disk too: a reader of the folder sees the empty commit.
        #expect(try IndexReader(path: server.indexPath).documentCount == 0)
        // The same name takes new mappings, even a changed type, and new documents.
        let again = await server.send("PUT", "/articles", json: #"{"mappings": {"properties": {"pages": {"type": "keyword"}}}}"#)
        #expect(again.status == 200, "\(again.text)")
        #expect(server.service.reader.schema["pages"] == .keyword)
        #expect(await server.send("PUT", "/articles/_doc/a?refresh=true", json: #"{"title": "Oil again", "pages": "iv"}"#).status == 201)
        #expect(await searchIDs(server, "oil") == ["a"])
        await server.finish()
    }

    /// `if_seq_no` and `if_primary_term` apply a write only over the version they name.
    @Test func conditionalWritesAnswerConflicts() async throws {
        let server = try await RunningServer.start()
        let first = await server.send("PUT", "/articles/_doc/a", json: #"{"title": "one"}"#)
        let sequence = try #require(first.json?["_seq_no"]?.intValue)
        let stale = await server.send("PUT", "/articles/_doc/a?if_seq_no=\(sequence + 5)&if_primary_term=1", json: #"{"title": "stale"}"#)
        #expect(stale.status == 409)
        #expect(stale.errorType == "version_conflict_engine_exception")
        let current = await server.send("PUT", "/articles/_doc/a?if_seq_no=\(sequence)&if_primary_term=1", json: #"{"title": "two"}"#)
        #expect(current.status == 200, "\(current.text)")
        let next = try #require(current.json?["_seq_no"]?.intValue)
        #expect(await server.send("PUT", "/articles/_doc/a?if_seq_no=\(sequence)&if_primary_term=1", json: #"{"title": "again"}"#).status == 409)
        #expect(await server.send("POST", "/articles/_update/a?if_seq_no=\(sequence)&if_primary_term=1", json: #"{"doc": {"title": "x"}}"#).status == 409)
        #expect(await server.send("PUT", "/articles/_doc/a?if_seq_no=\(next)", json: #"{"title": "x"}"#).status == 400)
        #expect(await server.send("PUT", "/articles/_doc/missing?if_seq_no=0&if_primary_term=1", json: #"{"title": "x"}"#).status == 409)
        #expect(await server.send("GET", "/articles/_doc/a").json?["_source"]?["title"]?.stringValue == "two")
        let bulk = await server.send("POST", "/_bulk", body: Array("""
            {"index": {"_index": "articles", "_id": "a", "if_seq_no": \(sequence), "if_primary_term": 1}}
            {"title": "stale bulk"}
            {"delete": {"_index": "articles", "_id": "a", "if_seq_no": \(next), "if_primary_term": 1}}

            """.utf8))
        let items = bulk.json?["items"]?.arrayElements ?? []
        #expect(items.count == 2)
        #expect(items.first?["index"]?["status"]?.intValue == 409)
        #expect(items.last?["delete"]?["status"]?.intValue == 200, "\(bulk.text)")
        #expect(await server.send("GET", "/articles/_doc/a").status == 404)
        let versioned = await server.send("POST", "/_bulk", body: Array(#"{"delete": {"_index": "articles", "_id": "a", "version": 3}}\#n"#.utf8))
        #expect(versioned.status == 400)
        await server.finish()
    }

    @Test func badInputIsA4xxInOpenSearchsShape() async throws {
        let server = try await RunningServer.start { $0.maximumBodySize = 4096 }
        let malformed = await server.send("PUT", "/articles/_doc/1", json: #"{"title": "#)
        #expect(malformed.status == 400)
        #expect(malformed.errorType == "parse_exception")
        #expect(malformed.errorReason?.contains("column") == true)
        #expect(malformed.json?["status"]?.intValue == 400)
        #expect(await server.send("PUT", "/articles/_doc/1", json: #"["not", "an", "object"]"#).status == 400)
        #expect(await server.send("PUT", "/articles/_doc/1", json: #"{"title": 5}"#).status == 400)
        #expect(await server.send("PUT", "/articles/_doc/1", json: #"{"date": "not a date"}"#).status == 400)
        #expect(await server.send("PUT", "/articles/_doc/1", json: #"{"_id": "x"}"#).status == 400)
        #expect(await server.send("PUT", "/articles/_doc/1").status == 400)
        let big = await server.send("PUT", "/articles/_doc/1", json: "{\"body\": \"" + String(repeating: "x", count: 5000) + "\"}")
        #expect(big.status == 413)
        #expect(big.errorType == "content_too_long_exception")
        let unknown = await server.send("GET", "/articles/_nonsense")
        #expect(unknown.status == 400)
        #expect(unknown.errorReason?.contains("no handler") == true)
        #expect(await server.send("GET", "/_nonsense").status == 400)
        #expect(await server.send("GET", "/articles/_doc/%ZZ").status == 400)
        #expect(await server.send("GET", "/search?q=%E0%80").status == 400)
        await server.finish()
    }

    @Test func idsAreOpaque() async throws {
        let server = try await RunningServer.start()
        for (encoded, id) in [("..%2F..%2Fetc%2Fpasswd", "../../etc/passwd"), ("%00", "\u{0}"), ("a%20b%3Fc%23d", "a b?c#d"),
                              ("%E2%82%AC", "€"), ("..", ".."), ("commit_1", "commit_1")] {
            let put = await server.send("PUT", "/articles/_doc/\(encoded)?refresh=true", json: #"{"title": "hostile"}"#)
            #expect(put.status == 201, "\(id.debugDescription): \(put.text)")
            // (The test's JSON parser reads an escaped NUL as U+FFFD, as the readers do: compare the text.)
            let rendered = JSON.string(id).rendered()
            #expect(put.text.contains("\"_id\":\(rendered)"), "\(put.text)")
            let got = await server.send("GET", "/articles/_doc/\(encoded)")
            #expect(got.text.contains("\"_id\":\(rendered)"))
            #expect(got.json?["_source"]?["title"]?.stringValue == "hostile")
        }
        // Nothing was written outside the index folder, and the index still opens.
        let names = try FileManager.default.contentsOfDirectory(atPath: server.folder)
        #expect(names == ["articles"])
        #expect(try IndexReader(path: server.indexPath).documentCount == 6)
        // Dot segments are segments, never a path to walk.
        #expect(await server.send("GET", "/articles/_doc/../../etc/passwd").status == 400)
        let long = String(repeating: "i", count: 600)
        let tooLong = await server.send("PUT", "/articles/_doc/\(long)", json: #"{"title": "x"}"#)
        #expect(tooLong.status == 400)
        #expect(tooLong.errorType == "action_request_validation_exception")
        let exactly = String(repeating: "i", count: 512)
        #expect(await server.send("PUT", "/articles/_doc/\(exactly)", json: #"{"title": "x"}"#).status == 201)
        await server.finish()
    }

    @Test func apiKeyGuardsWritesAndOptionallyReads() async throws {
        let server = try await RunningServer.start { $0.apiKey = "s3cret" }
        let none = await server.send("PUT", "/articles/_doc/1", json: #"{"title": "x"}"#)
        #expect(none.status == 401)
        #expect(none.errorType == "security_exception")
        #expect(await server.send("PUT", "/articles/_doc/1", json: #"{"title": "x"}"#, headers: ["Authorization": "ApiKey wrong"]).status == 401)
        #expect(await server.send("PUT", "/articles/_doc/1", json: #"{"title": "x"}"#, headers: ["Authorization": "ApiKey s3cre"]).status == 401)
        #expect(await server.send("PUT", "/articles/_doc/1", json: #"{"title": "x"}"#, headers: ["Authorization": "ApiKey s3cret"]).status == 201)
        #expect(await server.send("PUT", "/articles/_doc/2", json: #"{"title": "x"}"#, headers: ["Authorization": "Bearer s3cret"]).status == 201)
        #expect(await server.send("POST", "/_bulk", body: Array("{\"delete\": {\"_index\": \"articles\", \"_id\": \"1\"}}\n".utf8)).status == 401)
        // Reads are open without --protect-reads.
        #expect(await server.send("GET", "/articles/_doc/1").status == 200)
        #expect(await server.send("GET", "/search?q=x").status == 200)
        await server.finish()

        let guarded = try await RunningServer.start { $0.apiKey = "s3cret"; $0.protectReads = true }
        #expect(await guarded.send("GET", "/search?q=x").status == 401)
        #expect(await guarded.send("GET", "/").status == 401)
        #expect(await guarded.send("GET", "/search?q=x", headers: ["Authorization": "ApiKey s3cret"]).status == 200)
        #expect(await guarded.send("GET", "/_health").status == 200)
        await guarded.finish()
    }

    /// With `--protect-reads`, a browser gets a form for the key instead of the page; the right
    /// key sets an HttpOnly cookie that opens reads (the page, searches), never writes.
    @Test func protectedReadsLetABrowserInWithTheKey() async throws {
        let server = try await RunningServer.start { $0.apiKey = "s3 cret/é"; $0.protectReads = true }
        #expect(await server.send("PUT", "/articles/_doc/1?refresh=true", json: #"{"title": "Oil", "body": "crude oil exports rose"}"#,
                                  headers: ["Authorization": "ApiKey s3 cret/é"]).status == 201)
        let html = ["Accept": "text/html"]
        let form = await server.send("GET", "/?q=oil", headers: html)
        #expect(form.status == 401)
        #expect(form.text.contains(#"<form method="post" action="/_login">"#))
        #expect(form.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        let formHeaders = ["Content-Type": "application/x-www-form-urlencoded"]
        let wrong = await server.send("POST", "/_login", body: Array("key=s3+cret".utf8), headers: formHeaders)
        #expect(wrong.status == 401)
        #expect(wrong.text.contains("not right"))
        #expect(wrong.headers["set-cookie"] == nil)
        let right = await server.send("POST", "/_login", body: Array("key=s3+cret%2F%C3%A9".utf8), headers: formHeaders)
        #expect(right.status == 303, "\(right.text)")
        #expect(right.headers["location"] == "/")
        let setCookie = try #require(right.headers["set-cookie"])
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
        let cookie = String(setCookie.prefix { $0 != ";" })
        let page = await server.send("GET", "/?q=oil", headers: html.merging(["Cookie": "other=1; " + cookie]) { $1 })
        #expect(page.status == 200)
        #expect(page.text.contains(#"<ol class="hits""#) && page.text.contains("<mark"), "the page with its hit")
        #expect(await server.send("GET", "/search?q=oil", headers: ["Cookie": cookie]).status == 200)
        #expect(await server.send("GET", "/search?q=oil", headers: ["Cookie": "trawl_key=s3"]).status == 401)
        // The cookie never writes.
        #expect(await server.send("PUT", "/articles/_doc/2", json: #"{"title": "x"}"#, headers: ["Cookie": cookie]).status == 401)
        #expect(await server.send("POST", "/articles/_search", json: #"{"query": {"match_all": {}}}"#, headers: ["Cookie": cookie]).status == 401)
        await server.finish()
    }

    @Test func corsIsOffUnlessConfigured() async throws {
        let plain = try await RunningServer.start()
        let answer = await plain.send("GET", "/", headers: ["Origin": "https://example.org"])
        #expect(answer.headers["access-control-allow-origin"] == nil)
        await plain.finish()
        let cors = try await RunningServer.start { $0.corsOrigin = "https://example.org" }
        let allowed = await cors.send("GET", "/", headers: ["Origin": "https://example.org"])
        #expect(allowed.headers["access-control-allow-origin"] == "https://example.org")
        await cors.finish()
    }

    @Test func gracefulShutdownCommitsBufferedWrites() async throws {
        let server = try await RunningServer.start()
        for i in 0..<20 {
            #expect(await server.send("PUT", "/articles/_doc/d\(i)", json: #"{"title": "buffered \#(i)"}"#).status == 201)
        }
        // Not refreshed yet: a reader of the folder does not see them.
        #expect(try IndexReader(path: server.indexPath).documentCount == 0)
        await server.stop()
        let reader = try IndexReader(path: server.indexPath)
        #expect(reader.documentCount == 20)
        #expect(try reader.document(id: "d7")?.title == "buffered 7")
        try? FileManager.default.removeItem(atPath: server.folder)
    }

    @Test func watchedFolderIsServedNextToAPIDocuments() async throws {
        let docs = NSTemporaryDirectory() + "trawl-server-watch-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: docs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: docs) }
        try Data("# Walrus\n\nwalrus tusk\n".utf8).write(to: URL(fileURLWithPath: docs + "/a.md"))
        let server = try await RunningServer.start(watching: [docs])
        // Polls up to 60 s (the machine may be loaded, and this task may wait long for a thread
        // while the suite runs in parallel) until a search answers `ids`; the search is tried
        // once more after the last sleep, however late the task resumes.
        func eventually(_ query: String, _ ids: [String]) async throws -> Bool {
            let deadline = Date().addingTimeInterval(60)
            while true {
                if await searchIDs(server, query) == ids { return true }
                if Date() >= deadline { return false }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(try await eventually("walrus", ["a.md"]))
        #expect(await server.send("PUT", "/articles/_doc/api?refresh=true", json: #"{"title": "Okapi"}"#).status == 201)
        #expect(await searchIDs(server, "okapi") == ["api"])
        try Data("dugong\n".utf8).write(to: URL(fileURLWithPath: docs + "/b.txt"))
        #expect(try await eventually("dugong", ["b.txt"]))
        let fetched = await server.send("GET", "/articles/_doc/b.txt")
        #expect(fetched.status == 200, "\(fetched.text)")
        await server.stop()
        // Shutdown stopped the watcher and released the index, which holds both kinds.
        let reader = try IndexReader(path: server.indexPath)
        #expect(Set(try reader.search(SearchRequest(query: .matchAll, limit: 10)).hits.map(\.id)) == ["a.md", "b.txt", "api"])
        try IndexWriter(path: server.indexPath).close()
        try? FileManager.default.removeItem(atPath: server.folder)
    }

    @Test func periodicRefreshMakesWritesVisible() async throws {
        let server = try await RunningServer.start(refreshInterval: 0.05)
        let answer = await server.send("PUT", "/articles/_doc/p?refresh=wait_for", json: #"{"title": "Periodic"}"#)
        #expect(answer.status == 201)
        // wait_for answers after the periodic refresh that made the write visible.
        #expect(await searchIDs(server, "periodic") == ["p"])
        await server.finish()
    }
}
