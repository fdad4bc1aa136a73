import Foundation
import Testing
import Trawl
@testable import TrawlServer

/// `GET /` over real HTTP: the search page for browsers (with its policy headers), OpenSearch's
/// root JSON for everyone else, and the page's answers to malformed and hostile URLs.
@Suite(.serialized)
struct SearchPageRouteTests {
    static let browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

    @Test func browsersGetThePageAndClientsGetJSON() async throws {
        let server = try await RunningServer.start()
        for (i, word) in ["harbour tanker", "harbour grain", "wheat"].enumerated() {
            let answer = await server.send("PUT", "/articles/_doc/\(i)?refresh=true",
                                           json: #"{"title": "Article \#(i)", "date": "2024-0\#(i + 1)-01", "body": "\#(word)"}"#)
            #expect(answer.status == 201, "\(answer.text)")
        }
        let page = await server.send("GET", "/?q=harbour", headers: ["Accept": Self.browserAccept])
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.headers["x-content-type-options"] == "nosniff")
        let policy = try #require(page.headers["content-security-policy"])
        #expect(policy.hasPrefix("default-src 'none'") && !policy.contains("unsafe"))
        let nonce = try #require(policy.split(separator: "'").first { $0.hasPrefix("nonce-") }).dropFirst(6)
        #expect(page.text.contains("<script nonce=\"\(nonce)\">") && page.text.contains("<style nonce=\"\(nonce)\">"))
        #expect(page.text.components(separatedBy: "class=\"hit\"").count - 1 == 2)
        #expect(page.text.contains("<mark>harbour</mark>"))
        // The same page for HEAD, without a body.
        let head = await server.send("HEAD", "/?q=harbour", headers: ["Accept": Self.browserAccept])
        #expect(head.status == 200 && head.body.isEmpty && head.headers["x-content-type-options"] == "nosniff")
        // Clients that do not prefer HTML get OpenSearch's root.
        for accept in [nil, "*/*", "application/json"] as [String?] {
            let answer = await server.send("GET", "/", headers: accept.map { ["Accept": $0] } ?? [:])
            #expect(answer.status == 200)
            #expect(answer.json?["version"]?["distribution"]?.stringValue == "opensearch", "\(accept ?? "no Accept")")
        }
        // A malformed or hostile URL is still a page, with the text escaped.
        let odd = await server.send("GET", "/?q=%E0%A4%A&from=%ZZ&q2=%3Cscript%3E", headers: ["Accept": Self.browserAccept])
        #expect(odd.status == 200)
        #expect(!odd.text.contains("<script>"))
        let hostile = await server.send("GET", "/?q=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E", headers: ["Accept": Self.browserAccept])
        #expect(hostile.status == 200 && !hostile.text.contains("<script>alert"))
        await server.finish()
    }
}
