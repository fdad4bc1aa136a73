import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.TextField;
import org.apache.lucene.facet.FacetResult;
import org.apache.lucene.facet.Facets;
import org.apache.lucene.facet.FacetsCollector;
import org.apache.lucene.facet.FacetsCollectorManager;
import org.apache.lucene.facet.FacetsConfig;
import org.apache.lucene.facet.LabelAndValue;
import org.apache.lucene.facet.sortedset.DefaultSortedSetDocValuesReaderState;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesFacetCounts;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesFacetField;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesReaderState;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.FSDirectory;

/**
 * Facet counting in Lucene for the Trawl facet benchmark (benchmarks/facets/facets.sh).
 *
 * index CORPUS.jsonl DIR: title and body as EnglishAnalyzer text, every value of the listed
 * keyword members as SortedSetDocValuesFacetField (multi-valued), force-merged to one segment.
 *
 * run DIR QUERIES.jsonl PASSES WARMUP_SECONDS FIELD...: per query ({"qid","word"}; no word =
 * every document) and pass, times one search that keeps the top 10 hits and collects every match
 * (FacetsCollectorManager), then SortedSetDocValuesFacetCounts' top 20 of each field; prints one
 * JSON line per query: qid, hits, the median of the timed passes in microseconds, the buckets.
 */
public final class LuceneFacets {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("index")) index(Paths.get(args[1]), Paths.get(args[2]), Arrays.copyOfRange(args, 3, args.length));
        else run(Paths.get(args[1]), Paths.get(args[2]), Integer.parseInt(args[3]), Double.parseDouble(args[4]),
                 Arrays.copyOfRange(args, 5, args.length));
    }

    static void index(Path corpus, Path dir, String[] fields) throws Exception {
        ObjectMapper json = new ObjectMapper();
        FacetsConfig config = new FacetsConfig();
        for (String f : fields) config.setMultiValued(f, true);
        IndexWriterConfig iwc = new IndexWriterConfig(new EnglishAnalyzer());
        iwc.setRAMBufferSizeMB(128);
        try (FSDirectory d = FSDirectory.open(dir); IndexWriter w = new IndexWriter(d, iwc);
             BufferedReader in = Files.newBufferedReader(corpus, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) continue;
                JsonNode o = json.readTree(line);
                Document doc = new Document();
                doc.add(new TextField("title", o.path("title").asText(""), Field.Store.NO));
                doc.add(new TextField("body", o.path("body").asText(""), Field.Store.NO));
                for (String f : fields) {
                    for (JsonNode v : o.path(f)) {
                        String value = v.asText().toLowerCase();
                        if (!value.isEmpty()) doc.add(new SortedSetDocValuesFacetField(f, value));
                    }
                }
                w.addDocument(config.build(doc));
            }
            w.forceMerge(1);
            w.commit();
        }
    }

    static Query query(Analyzer analyzer, String word) throws Exception {
        if (word == null || word.isEmpty()) return new MatchAllDocsQuery();
        String term = null;
        try (TokenStream ts = analyzer.tokenStream("body", word)) {
            CharTermAttribute t = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            if (ts.incrementToken()) term = t.toString();
            ts.end();
        }
        if (term == null) term = word;
        return new BooleanQuery.Builder()
            .add(new TermQuery(new Term("title", term)), BooleanClause.Occur.SHOULD)
            .add(new TermQuery(new Term("body", term)), BooleanClause.Occur.SHOULD).build();
    }

    /** One timed search with facet counts; the answer when `samples` is null, else the time goes there. */
    static ObjectNode once(IndexSearcher searcher, SortedSetDocValuesReaderState state, Query query, String qid, String[] fields,
                           ObjectMapper json, long[] samples, int pass) throws Exception {
        long start = System.nanoTime();
        FacetsCollectorManager.FacetsResult result = FacetsCollectorManager.search(searcher, query, 10, new FacetsCollectorManager());
        Facets facets = new SortedSetDocValuesFacetCounts(state, result.facetsCollector());
        List<FacetResult> tops = new ArrayList<>();
        for (String f : fields) tops.add(facets.getTopChildren(20, f));
        long elapsed = System.nanoTime() - start;
        if (samples != null) {
            samples[pass] = elapsed;
            return null;
        }
        ObjectNode a = json.createObjectNode();
        a.put("qid", qid);
        a.put("hits", result.topDocs().totalHits.value());
        ObjectNode buckets = a.putObject("facets");
        for (int i = 0; i < fields.length; i++) {
            ArrayNode list = buckets.putArray(fields[i]);
            FacetResult top = tops.get(i);
            if (top == null) continue;
            for (LabelAndValue lv : top.labelValues) list.addObject().put("value", lv.label).put("count", lv.value.longValue());
        }
        return a;
    }

    static void run(Path dir, Path queries, int passes, double warmupSeconds, String[] fields) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Analyzer analyzer = new EnglishAnalyzer();
        List<String> ids = new ArrayList<>();
        List<Query> parsed = new ArrayList<>();
        for (String line : Files.readAllLines(queries, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            JsonNode o = json.readTree(line);
            ids.add(o.path("qid").asText());
            parsed.add(query(analyzer, o.path("word").asText("")));
        }
        try (DirectoryReader reader = DirectoryReader.open(FSDirectory.open(dir))) {
            IndexSearcher searcher = new IndexSearcher(reader);
            FacetsConfig config = new FacetsConfig();
            for (String f : fields) config.setMultiValued(f, true);
            // The ordinal map over the segments' values: built once per reader, as an application does.
            SortedSetDocValuesReaderState state = new DefaultSortedSetDocValuesReaderState(reader, config);
            long[][] samples = new long[parsed.size()][passes];
            ObjectNode[] answers = new ObjectNode[parsed.size()];
            long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            for (int warm = 0; warm < 2 || System.nanoTime() < warmupEnd; warm++) {
                for (int q = 0; q < parsed.size(); q++) answers[q] = once(searcher, state, parsed.get(q), ids.get(q), fields, json, null, 0);
            }
            for (int pass = 0; pass < passes; pass++) {
                for (int q = 0; q < parsed.size(); q++) once(searcher, state, parsed.get(q), ids.get(q), fields, json, samples[q], pass);
            }
            for (int q = 0; q < parsed.size(); q++) {
                long[] s = samples[q].clone();
                Arrays.sort(s);
                answers[q].put("median_us", s[s.length / 2] / 1000.0);
                System.out.println(json.writeValueAsString(answers[q]));
            }
        }
    }
}
