import Foundation

/// The HTML of the search page (``SearchPage``): every text and attribute value escaped, every
/// link's parameters percent-encoded.
extension SearchPage {
    /// The page for an outcome, with `nonce` on the inline style and script.
    func render(_ outcome: SearchPage.Outcome, nonce: String) -> String {
        var html = HTMLText()
        let request = outcome.request
        let query = request.query.trimmingSpaces
        html.raw("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        html.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        html.raw("<meta name=\"referrer\" content=\"no-referrer\">\n<link rel=\"icon\" href=\"data:,\">\n<title>")
        html.text(query.isEmpty ? "Search \(indexName)" : "\(query) – Search \(indexName)")
        html.raw("</title>\n<style nonce=\"")
        html.text(nonce)
        html.raw("\">")
        html.raw(SearchPage.styleSheet)
        html.raw("</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#results\">Skip to results</a>\n")
        renderHeader(outcome, into: &html)
        html.raw("<div class=\"layout\">\n<main id=\"results\" tabindex=\"-1\">\n")
        renderStatus(outcome, into: &html)
        if outcome.isIntroduction {
            renderIntroduction(outcome, into: &html)
        } else if let results = outcome.results {
            if results.total == 0 && outcome.error == nil {
                html.raw("<p class=\"hint\">No document matches. Check the spelling, try fewer or other words")
                html.raw(request.filters.isEmpty && request.from.isEmpty && request.to.isEmpty ? ".</p>\n" : ", or remove a filter.</p>\n")
            }
            renderHits(results, request: request, into: &html)
            renderPaging(results, request: request, into: &html)
        }
        html.raw("</main>\n")
        if let results = outcome.results { renderFacets(results.facets, request: request, into: &html) }
        html.raw("</div>\n<footer><p>Trawl full-text search · <kbd>/</kbd> focuses the search box</p></footer>\n<script nonce=\"")
        html.text(nonce)
        html.raw("\">")
        html.raw(SearchPage.script)
        html.raw("</script>\n</body>\n</html>\n")
        return html.out
    }

    /// The banner: the search form with its date filter, order and the active filters.
    private func renderHeader(_ outcome: SearchPage.Outcome, into html: inout HTMLText) {
        let request = outcome.request
        html.raw("<header>\n<form class=\"search\" role=\"search\" method=\"get\" action=\"/\">\n")
        html.raw("<h1><a href=\"/\">Trawl</a></h1>\n<div class=\"box\">\n<label for=\"q\" class=\"visually-hidden\">Search ")
        html.text(indexName)
        html.raw("</label>\n<input id=\"q\" name=\"q\" type=\"search\" value=\"")
        html.text(request.query)
        html.raw("\" placeholder=\"Search ")
        html.text(indexName)
        html.raw("…\" autocomplete=\"off\" spellcheck=\"false\" maxlength=\"\(SearchPageRequest.maximumValueLength)\"")
        if outcome.isIntroduction { html.raw(" autofocus") }
        html.raw(">\n<button type=\"submit\">Search</button>\n</div>\n")
        html.raw("<fieldset class=\"options\">\n<legend class=\"visually-hidden\">Filter and order</legend>\n")
        html.raw("<label>From <input type=\"date\" name=\"from\" id=\"from\" value=\"")
        html.text(request.from)
        html.raw("\"></label>\n<label>To <input type=\"date\" name=\"to\" id=\"to\" value=\"")
        html.text(request.to)
        html.raw("\"></label>\n<label>Order <select name=\"sort\" id=\"sort\" data-autosubmit>")
        for order in SearchPageRequest.Order.allCases {
            html.raw("<option value=\"\(order.rawValue)\"")
            if order == request.sort { html.raw(" selected") }
            html.raw(">")
            html.text(order == .relevance ? "Best match" : order == .newest ? "Newest first" : "Oldest first")
            html.raw("</option>")
        }
        html.raw("</select></label>\n<button type=\"submit\" class=\"secondary\">Apply</button>\n")
        for filter in request.filters {
            html.raw("<input type=\"hidden\" name=\"")
            html.text(filter.field)
            html.raw("\" value=\"")
            html.text(filter.value)
            html.raw("\">\n")
        }
        html.raw("</fieldset>\n</form>\n")
        let removable = request.filters.count + (request.from.isEmpty && request.to.isEmpty ? 0 : 1)
        if removable > 0 {
            html.raw("<ul class=\"active-filters\" aria-label=\"Active filters\">\n")
            if !request.from.isEmpty || !request.to.isEmpty {
                var without = request
                without.from = ""
                without.to = ""
                without.page = 1
                let label = "Date: " + (request.from.isEmpty ? "…" : request.from) + " to " + (request.to.isEmpty ? "…" : request.to)
                html.raw("<li><a href=\"")
                html.text(without.url)
                html.raw("\" aria-label=\"Remove the filter ")
                html.text(label)
                html.raw("\">")
                html.text(label)
                html.raw(" <span aria-hidden=\"true\">×</span></a></li>\n")
            }
            for filter in request.filters {
                var without = request
                without.filters.removeAll { $0 == filter }
                without.page = 1
                let label = SearchPage.fieldLabel(filter.field) + ": " + filter.value
                html.raw("<li><a href=\"")
                html.text(without.url)
                html.raw("\" aria-label=\"Remove the filter ")
                html.text(label)
                html.raw("\">")
                html.text(label)
                html.raw(" <span aria-hidden=\"true\">×</span></a></li>\n")
            }
            html.raw("</ul>\n")
        }
        html.raw("</header>\n")
    }

    /// The live region: the count of results (or the error), the notices and the correction.
    private func renderStatus(_ outcome: SearchPage.Outcome, into html: inout HTMLText) {
        html.raw("<div id=\"status\" role=\"status\" aria-live=\"polite\">\n")
        if let error = outcome.error {
            html.raw("<p class=\"error\">")
            html.text(error)
            html.raw("</p>\n")
        } else if let results = outcome.results, !outcome.isIntroduction {
            html.raw("<p class=\"count\">")
            let exact = results.totalRelation == .equalTo
            let total = SearchPage.grouped(results.total) + (exact ? "" : "+")
            let noun = exact && results.total == 1 ? "result" : "results"
            if results.hits.isEmpty {
                html.text(results.total == 0 ? "No results" : "No results on page \(outcome.request.page) of \(total) \(noun)")
            } else {
                let first = (outcome.request.page - 1) * pageSize + 1
                let last = first + results.hits.count - 1
                html.text(first == 1 && last == results.total && exact ? "\(total) \(noun)"
                          : "\(SearchPage.grouped(first))–\(SearchPage.grouped(last)) of \(total) \(noun)")
            }
            html.raw(" <span class=\"took\">(")
            html.text(SearchPage.milliseconds(results.tookMicroseconds))
            html.raw(" ms)</span></p>\n")
        }
        for notice in outcome.notices {
            html.raw("<p class=\"notice\">")
            html.text(notice)
            html.raw("</p>\n")
        }
        if let suggestion = outcome.results?.suggestion {
            var corrected = outcome.request
            corrected.query = suggestion.query
            corrected.page = 1
            html.raw("<p class=\"suggestion\">Did you mean <a href=\"")
            html.text(corrected.url)
            html.raw("\">")
            html.text(suggestion.query)
            html.raw("</a>?</p>\n")
        }
        html.raw("</div>\n")
    }

    /// The page without a query: what the index holds and how to search it.
    private func renderIntroduction(_ outcome: SearchPage.Outcome, into html: inout HTMLText) {
        html.raw("<section class=\"intro\" aria-labelledby=\"intro-title\">\n<h2 id=\"intro-title\">Search ")
        html.text(indexName)
        html.raw("</h2>\n<p>")
        html.text("\(SearchPage.grouped(reader.documentCount)) document\(reader.documentCount == 1 ? "" : "s")")
        let years = outcome.results?.facets.first { $0.name == yearFacetName }?.buckets.filter { $0.count > 0 }.map(\.value) ?? []
        if let newest = years.first, let oldest = years.last {
            html.text(newest == oldest ? ", dated \(newest)" : ", dated \(oldest) to \(newest)")
        }
        html.raw(".</p>\n<p>All words must match. Write <code>OR</code> for either, <code>\"quotes\"</code> for a phrase, ")
        html.raw("<code>-word</code> to exclude, <code>word*</code> for a prefix, <code>title:word</code> for a field. ")
        html.raw("Small typos are forgiven.</p>\n</section>\n")
    }

    /// The list of hits.
    private func renderHits(_ results: SearchResults, request: SearchPageRequest, into html: inout HTMLText) {
        guard !results.hits.isEmpty else { return }
        let start = (request.page - 1) * pageSize + 1
        html.raw("<ol class=\"hits\" start=\"\(start)\">\n")
        for hit in results.hits {
            html.raw("<li class=\"hit\" data-id=\"")
            html.text(hit.id)
            html.raw("\">\n<h2>")
            html.text(hit.title.trimmingSpaces.isEmpty ? "(untitled)" : hit.title)
            html.raw("</h2>\n<p class=\"meta\">")
            if let date = hit.date {
                html.raw("<time datetime=\"")
                html.text(date.description)
                html.raw("\">")
                html.text(String(date.description.prefix(10)))
                html.raw("</time> · ")
            }
            html.raw("<span class=\"path\">")
            html.text((hit.path ?? hit.id) + (hit.line.map { ":\($0)" } ?? ""))
            html.raw("</span></p>\n")
            if let snippet = hit.snippet, !snippet.text.isEmpty {
                html.raw("<p class=\"snippet\">")
                SearchPage.renderSnippet(snippet, into: &html)
                html.raw("</p>\n")
            }
            html.raw("</li>\n")
        }
        html.raw("</ol>\n")
    }

    /// A snippet with its highlights in `<mark>`; overlapping or out-of-range highlights are skipped.
    static func renderSnippet(_ snippet: Snippet, into html: inout HTMLText) {
        let bytes = Array(snippet.text.utf8)
        var at = 0
        for range in snippet.highlights.sorted(by: { $0.lowerBound < $1.lowerBound })
        where range.lowerBound >= at && range.upperBound <= bytes.count && !range.isEmpty {
            html.text(String(decoding: bytes[at..<range.lowerBound], as: UTF8.self))
            html.raw("<mark>")
            html.text(String(decoding: bytes[range], as: UTF8.self))
            html.raw("</mark>")
            at = range.upperBound
        }
        html.text(String(decoding: bytes[at...], as: UTF8.self))
    }

    /// The pages around the current one: numbers, a gap, previous and next.
    static func pageNumbers(current: Int, last: Int) -> [Int?] {
        guard last > 1 else { return [] }
        var shown = Set([1, last])
        for page in (current - 2)...(current + 2) where page >= 1 && page <= last { shown.insert(page) }
        var out: [Int?] = []
        var previous = 0
        for page in shown.sorted() {
            if page > previous + 1 { out.append(nil) }
            out.append(page)
            previous = page
        }
        return out
    }

    /// The last page of a result set (the known pages when the total is a lower bound).
    func lastPage(of results: SearchResults, current: Int) -> Int {
        let counted = max(1, (results.total + pageSize - 1) / pageSize)
        let last = results.totalRelation == .equalTo ? counted : max(counted, current + (results.hits.count == pageSize ? 1 : 0))
        return min(last, SearchPageRequest.maximumPage)
    }

    /// The navigation between pages.
    private func renderPaging(_ results: SearchResults, request: SearchPageRequest, into html: inout HTMLText) {
        let last = lastPage(of: results, current: request.page)
        guard last > 1 || request.page > 1 else { return }
        func link(_ page: Int, _ label: String, rel: String?, classes: String) {
            var target = request
            target.page = page
            html.raw("<a class=\"\(classes)\" href=\"")
            html.text(target.url)
            html.raw("\"")
            if let rel { html.raw(" rel=\"\(rel)\"") }
            html.raw(">")
            html.text(label)
            html.raw("</a>")
        }
        html.raw("<nav class=\"paging\" aria-label=\"Pages\">\n")
        if request.page > 1 { link(min(request.page - 1, last), "‹ Previous", rel: "prev", classes: "prev") }
        html.raw("<ul>")
        for page in SearchPage.pageNumbers(current: request.page, last: max(last, request.page)) {
            guard let page else {
                html.raw("<li class=\"gap\" aria-hidden=\"true\">…</li>")
                continue
            }
            if page == request.page {
                html.raw("<li><a class=\"page current\" aria-current=\"page\" aria-label=\"Page \(page)\">\(page)</a></li>")
            } else {
                html.raw("<li>")
                link(page, String(page), rel: nil, classes: "page")
                html.raw("</li>")
            }
        }
        html.raw("</ul>")
        if request.page < last { link(request.page + 1, "Next ›", rel: "next", classes: "next") }
        html.raw("\n</nav>\n")
    }

    /// The facet counts as filter links; a value already filtered on is marked and removes the
    /// filter. Facets with fewer than two values (and no active filter) are left out.
    private func renderFacets(_ facets: [FacetResult], request: SearchPageRequest, into html: inout HTMLText) {
        let shown = facets.filter { facet in
            facet.buckets.filter { $0.count > 0 }.count >= 2 || request.filters.contains { $0.field == facet.name }
        }
        guard !shown.isEmpty else { return }
        html.raw("<aside class=\"facets\" aria-label=\"Refine\">\n<h2 class=\"visually-hidden\">Refine</h2>\n")
        for facet in shown {
            let headingID = "facet-" + SearchPageRequest.encode(facet.name).replacingOccurrences(of: "%", with: "_")
            html.raw("<section aria-labelledby=\"")
            html.text(headingID)
            html.raw("\">\n<h3 id=\"")
            html.text(headingID)
            html.raw("\">")
            html.text(SearchPage.fieldLabel(facet.name))
            html.raw("</h3>\n<ul>\n")
            for bucket in facet.buckets where bucket.count > 0 {
                let filter = SearchPageRequest.Filter(field: facet.name, value: bucket.value)
                let active = request.filters.contains(filter)
                var target = request
                target.page = 1
                if active { target.filters.removeAll { $0 == filter } } else { target.filters.append(filter) }
                html.raw("<li><a href=\"")
                html.text(target.url)
                html.raw("\"")
                if active { html.raw(" class=\"active\" aria-current=\"true\"") }
                html.raw("><span class=\"value\">")
                html.text(bucket.value)
                html.raw("</span> <span class=\"n\">")
                html.text(SearchPage.grouped(bucket.count))
                html.raw("</span></a></li>\n")
            }
            html.raw("</ul>\n</section>\n")
        }
        html.raw("</aside>\n")
    }

    /// A field name as a heading: `tags` → `Tags`.
    static func fieldLabel(_ field: String) -> String {
        field.prefix(1).uppercased() + field.dropFirst()
    }

    /// A count with thousands separators: `12,345`.
    static func grouped(_ n: Int) -> String { NumberText.grouped(n) }

    /// Microseconds as milliseconds with two decimals: `1.25`.
    static func milliseconds(_ microseconds: Int) -> String {
        let hundredths = (max(0, microseconds) + 5) / 10
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// The inline style sheet: one column on phones, results and facets side by side from 50rem;
    /// system fonts; contrast at least 4.5:1 in light and dark schemes; visible focus.
    static let styleSheet = """
        :root{color-scheme:light dark;--bg:#fff;--fg:#1b1b1b;--muted:#545454;--link:#0b57d0;--line:#d7d7d7;\
        --mark:#ffe27a;--panel:#f4f5f7;--focus:#0b57d0}
        @media (prefers-color-scheme:dark){:root{--bg:#121212;--fg:#ececec;--muted:#b4b4b4;--link:#8ab4f8;\
        --line:#3a3a3a;--mark:#6b5300;--panel:#1e1e1e;--focus:#8ab4f8}}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        a{color:var(--link)}
        :focus-visible{outline:3px solid var(--focus);outline-offset:2px}
        .skip{position:absolute;left:-999px;top:0}.skip:focus{left:.5rem;background:var(--bg);padding:.5rem;z-index:1}
        .visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        header{border-bottom:1px solid var(--line);background:var(--panel);padding:.75rem 0}
        .search{max-width:62rem;margin:0 auto;padding:0 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
        h1{margin:0;font-size:1.25rem}h1 a{color:inherit;text-decoration:none}
        .box{display:flex;flex:1 1 14rem;gap:.5rem}
        input,select,button{font:inherit;color:inherit}
        input[type=search]{flex:1;min-width:0;padding:.5rem .75rem;border:1px solid var(--muted);border-radius:.4rem;background:var(--bg)}
        input[type=date],select{padding:.3rem .4rem;border:1px solid var(--muted);border-radius:.4rem;background:var(--bg)}
        button{padding:.5rem 1rem;border:0;border-radius:.4rem;background:var(--link);color:var(--bg);cursor:pointer}
        button.secondary{padding:.3rem .8rem;background:transparent;color:var(--link);border:1px solid var(--link)}
        .options{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;border:0;margin:0;padding:0;flex-basis:100%;font-size:.95rem}
        .active-filters{max-width:62rem;margin:.5rem auto 0;padding:0 1rem;list-style:none;display:flex;flex-wrap:wrap;gap:.5rem}
        .active-filters a{display:inline-block;padding:.1rem .6rem;border:1px solid var(--link);border-radius:1rem;text-decoration:none}
        .layout{max-width:62rem;margin:0 auto;padding:0 1rem;display:grid;grid-template-columns:minmax(0,1fr);gap:0 2rem}
        @media (min-width:50rem){.layout{grid-template-columns:minmax(0,1fr) 14rem}}
        main:focus{outline:none}
        .count{color:var(--muted);margin:.75rem 0}.took{font-size:.9em}
        .error,.notice{border-left:4px solid #b3261e;padding:.25rem .75rem;background:var(--panel)}
        .notice{border-color:var(--muted)}.suggestion{font-size:1.05rem}
        .hits{list-style:none;padding:0;margin:0}
        .hit{padding:.75rem 0;border-bottom:1px solid var(--line)}
        .hit h2{font-size:1.1rem;margin:0;overflow-wrap:anywhere}
        .meta{margin:.1rem 0;color:var(--muted);font-size:.9rem;overflow-wrap:anywhere}
        .snippet{margin:.25rem 0 0;overflow-wrap:anywhere}
        mark{background:var(--mark);color:inherit;padding:0 .1em;border-radius:.15em}
        .paging{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem;margin:1rem 0 2rem}
        .paging ul{display:flex;flex-wrap:wrap;gap:.25rem;list-style:none;margin:0;padding:0}
        .paging a{display:inline-block;min-width:2.5rem;min-height:2.5rem;padding:.45rem .6rem;text-align:center;\
        border:1px solid var(--line);border-radius:.4rem;text-decoration:none}
        .paging .current{background:var(--link);color:var(--bg);border-color:var(--link)}
        .gap{padding:.45rem .25rem}
        .facets h3{font-size:1rem;margin:1rem 0 .25rem}
        .facets ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .5rem}
        .facets a{display:flex;justify-content:space-between;gap:.5rem;padding:.3rem .5rem;text-decoration:none;border-radius:.3rem;\
        border:1px solid var(--line)}
        @media (min-width:50rem){.facets ul{display:block}.facets a{border:0;padding:.3rem .25rem}}
        .facets a:hover{background:var(--panel)}.facets .value{overflow-wrap:anywhere}
        .facets .n{color:var(--muted)}.facets a.active{font-weight:600;background:var(--panel)}
        footer{max-width:62rem;margin:0 auto;padding:1rem;color:var(--muted);font-size:.85rem}
        code,kbd{font-size:.9em;background:var(--panel);padding:0 .25em;border-radius:.2em}
        """

    /// The progressive script: `/` focuses the search box; changing the order submits the form.
    static let script = """
        document.addEventListener("keydown",function(e){var t=e.target&&e.target.tagName;\
        if(e.key==="/"&&!e.ctrlKey&&!e.metaKey&&!e.altKey&&t!=="INPUT"&&t!=="TEXTAREA"&&t!=="SELECT"){\
        var q=document.getElementById("q");if(q){e.preventDefault();q.focus();q.select();}}});\
        document.querySelectorAll("[data-autosubmit]").forEach(function(el){el.addEventListener("change",\
        function(){if(el.form.requestSubmit){el.form.requestSubmit();}else{el.form.submit();}});});
        """
}

/// HTML being written: markup as is, text and attribute values escaped.
struct HTMLText {
    /// The HTML so far.
    var out = ""

    /// Appends markup as is (never user input).
    mutating func raw(_ markup: String) { out += markup }

    /// Appends text escaped for element content and quoted attribute values alike: `&`, `<`,
    /// `>`, `"` and `'` become references, NUL becomes U+FFFD.
    mutating func text(_ text: String) { out += HTMLText.escape(text) }

    /// `text` escaped (see ``text(_:)``).
    static func escape(_ text: String) -> String {
        var needs = false
        for byte in text.utf8 where byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x27 || byte == 0 {
            needs = true
            break
        }
        guard needs else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\u{0}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
