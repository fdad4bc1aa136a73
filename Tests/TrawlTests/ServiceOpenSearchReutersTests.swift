import Foundation
import Testing
@testable import Trawl

/// The OpenSearch DSL over the Reuters corpus (skipped when ../shared/data is absent): each DSL
/// query finds the documents of its equivalent Trawl query string; those that translate to the
/// very same tree rank them the same way too.
@Suite(.enabled(if: ReutersFixture.available)) struct ServiceOpenSearchReutersTests {
    /// A DSL query, the equivalent Trawl query, its default operator, and whether the ranking
    /// (not only the set) must agree.
    static let cases: [(dsl: String, trawl: String, op: QueryParser.Operator, ranked: Bool)] = [
        (#"{"query_string": {"query": "oil prices"}}"#, "oil prices", .or, true),
        (#"{"query_string": {"query": "oil prices", "default_operator": "AND"}}"#, "oil prices", .and, true),
        (#"{"query_string": {"query": "\"crude oil\"~2 AND -opec"}}"#, #""crude oil"~2 AND -opec"#, .or, true),
        (#"{"query_string": {"query": "title:coffee OR title:cocoa"}}"#, "title:coffee OR title:cocoa", .or, true),
        (#"{"query_string": {"query": "sugar date:[1987-03-01 TO 1987-03-31]"}}"#, "sugar date:[1987-03-01 TO 1987-03-31]", .or, true),
        (#"{"query_string": {"query": "export*"}}"#, "export*", .or, true),
        (#"{"query_string": {"query": "yen~1 dollar"}}"#, "yen~1 dollar", .or, true),
        (#"{"query_string": {"query": "wheat", "default_field": "title"}}"#, "title:wheat", .or, true),
        (#"{"query_string": {"query": "wheat corn", "fields": ["title"], "default_operator": "and"}}"#, "title:wheat AND title:corn", .and, true),
        (#"{"match": {"body": "gold"}}"#, "body:gold", .or, true),
        (#"{"match": {"body": "gold silver copper"}}"#, "body:gold OR body:silver OR body:copper", .or, true),
        (#"{"match": {"body": {"query": "gold silver", "operator": "and"}}}"#, "body:gold AND body:silver", .and, true),
        (#"{"match": {"title": {"query": "bank", "boost": 2}}}"#, "title:bank", .or, false),
        (#"{"match": {"body": {"query": "shiping", "fuzziness": "AUTO"}}}"#, "body:shiping~1", .or, true), // AUTO measures the stem `shipe`
        (#"{"match": {"body": {"query": "tanker", "fuzziness": 1}}}"#, "body:tanker~1", .or, true),
        (#"{"match_phrase": {"body": "interest rates"}}"#, #"body:"interest rates""#, .or, true),
        (#"{"match_phrase": {"body": {"query": "trade deficit", "slop": 3}}}"#, #"body:"trade deficit"~3"#, .or, true),
        (#"{"match_phrase": {"title": "money market"}}"#, #"title:"money market""#, .or, true),
        (#"{"multi_match": {"query": "coffee", "fields": ["title", "body"]}}"#, "title:coffee OR body:coffee", .or, false),
        (#"{"multi_match": {"query": "coffee brazil", "fields": ["title^3", "body"], "operator": "and"}}"#,
         "(title:coffee AND title:brazil) OR (body:coffee AND body:brazil)", .or, false),
        (#"{"multi_match": {"query": "coffee brazil", "type": "cross_fields", "operator": "and"}}"#, "coffee AND brazil", .and, true),
        (#"{"multi_match": {"query": "grain exports", "type": "phrase", "fields": ["title", "body"]}}"#,
         #"title:"grain exports" OR body:"grain exports""#, .or, false),
        (#"{"bool": {"must": [{"match": {"body": "oil"}}, {"match": {"body": "iran"}}]}}"#, "body:oil AND body:iran", .and, true),
        (#"{"bool": {"should": [{"match": {"title": "oil"}}, {"match": {"title": "gas"}}]}}"#, "title:oil OR title:gas", .or, true),
        (#"{"bool": {"must": {"match": {"body": "oil"}}, "must_not": {"match": {"body": "opec"}}}}"#, "body:oil AND NOT body:opec", .and, true),
        (#"{"bool": {"must": {"match": {"body": "oil"}}, "filter": {"range": {"date": {"gte": "1987-04-01"}}}}}"#,
         "body:oil AND date:>=1987-04-01", .and, false),
        (#"{"bool": {"filter": [{"match": {"body": "cocoa"}}, {"range": {"words": {"gte": 200}}}]}}"#, "body:cocoa AND words:>=200", .and, false),
        (#"{"bool": {"should": [{"match": {"body": "gold"}}, {"match": {"body": "silver"}}, {"match": {"body": "platinum"}}], "minimum_should_match": 2}}"#,
         "(body:gold AND body:silver) OR (body:gold AND body:platinum) OR (body:silver AND body:platinum)", .or, false),
        (#"{"bool": {"must": {"match": {"title": "dollar"}}, "should": {"match": {"body": "yen"}}}}"#, "+title:dollar body:yen", .or, true),
        (#"{"bool": {"must_not": {"match": {"body": "the"}}}}"#, "*:* AND NOT body:the", .and, false),
        (#"{"term": {"body": "Bank"}}"#, "body:bank", .or, true),
        (#"{"terms": {"title": ["coffee", "cocoa", "sugar"]}}"#, "title:coffee OR title:cocoa OR title:sugar", .or, false),
        (#"{"range": {"date": {"gte": "1987-03-01", "lt": "1987-03-15"}}}"#, "date:[1987-03-01 TO 1987-03-15}", .or, false),
        (#"{"range": {"date": {"gt": "1987-03", "lte": "1987-04"}}}"#, "date:{1987-03 TO 1987-04]", .or, false),
        (#"{"range": {"words": {"gte": 100, "lte": 150}}}"#, "words:[100 TO 150]", .or, false),
        (#"{"range": {"words": {"gt": 1000}}}"#, "words:>1000", .or, false),
        (#"{"prefix": {"title": "petro"}}"#, "title:petro*", .or, true),
        (#"{"prefix": {"body": "sanction"}}"#, "body:sanction*", .or, true),
        (#"{"exists": {"field": "date"}}"#, "_exists_:date", .or, false),
        (#"{"match_all": {}}"#, "*:*", .or, false),
        (#"{"bool": {"must": [{"query_string": {"query": "oil OR gas"}}, {"range": {"words": {"lt": 300}}}], "must_not": {"prefix": {"title": "opec"}}}}"#,
         "(oil OR gas) AND words:<300 AND NOT title:opec*", .and, false),
        (#"{"dis_max": {"queries": [{"match": {"title": "tin"}}, {"match": {"title": "zinc"}}]}}"#, "title:tin OR title:zinc", .or, false),
        (#"{"match": {"body": {"query": "acquisition merger takeover bid", "minimum_should_match": "75%"}}}"#,
         "(body:acquisition AND body:merger AND body:takeover) OR (body:acquisition AND body:merger AND body:bid) OR (body:acquisition AND body:takeover AND body:bid) OR (body:merger AND body:takeover AND body:bid)", .or, false),
    ]

    @Test func everyDSLQueryFindsWhatItsTrawlQueryFinds() throws {
        let fixture = try #require(ReutersFixture.shared)
        let index = OpenSearchIndex(name: "reuters", reader: fixture.reader)
        var nonEmpty = 0
        for (dsl, trawl, op, ranked) in Self.cases {
            let body = try JSON.parse(#"{"size": 100, "track_total_hits": true, "_source": false, "query": \#(dsl)}"#)
            let response = try index.search(body: body, parameters: [:])
            let ids = (response["hits"]?["hits"]?.arrayElements ?? []).compactMap { $0["_id"]?.stringValue }
            let total = response["hits"]?["total"]?["value"]?.intValue ?? -1
            let expected = try fixture.reader.search(trawl, limit: 100, countTotal: true, defaultOperator: op)
            #expect(total == expected.total, "\(dsl) vs \(trawl)")
            if ranked {
                #expect(ids == expected.hits.map(\.id), "\(dsl) vs \(trawl)")
            } else if expected.total <= 100 {
                #expect(Set(ids) == Set(expected.hits.map(\.id)), "\(dsl) vs \(trawl)")
            }
            let count = try index.count(body: JSON.parse(#"{"query": \#(dsl)}"#), parameters: [:])
            #expect(count["count"]?.intValue == expected.total, "\(dsl)")
            if expected.total > 0 { nonEmpty += 1 }
        }
        #expect(nonEmpty >= Self.cases.count - 2)
        #expect(Self.cases.count >= 40)
    }
}
