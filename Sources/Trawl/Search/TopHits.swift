/// A scored document in index-wide numbering.
struct ScoredDocument: Sendable, Equatable {
    /// Index-wide document number (segment base + segment-local id).
    var doc: Int
    /// The score.
    var score: Float

    /// Whether `self` ranks before `other`: higher score first, then lower document number.
    @inline(__always)
    func ranksBefore(_ other: ScoredDocument) -> Bool {
        score > other.score || (score == other.score && doc < other.doc)
    }
}

/// Keeps the best `k` scored documents in a binary min-heap (the worst kept one at the root).
///
/// `threshold` is the score a new document must beat to enter once the heap is full; pruning
/// algorithms read it to skip documents and blocks that cannot compete.
struct TopHitsCollector {
    /// How many hits to keep.
    let k: Int
    private(set) var heap: [ScoredDocument] = []
    /// Documents offered (that matched), for exact counts.
    private(set) var matched = 0
    /// Matches counted exactly before pruning may skip any (Lucene's total hits threshold).
    let countThreshold: Int

    /// Creates a collector for the best `k` that counts at least `countThreshold` matches
    /// exactly before its threshold lets pruning skip documents.
    init(k: Int, countThreshold: Int = 0) {
        self.k = max(0, k)
        self.countThreshold = max(0, countThreshold)
        heap.reserveCapacity(min(self.k, 1 << 16))
    }

    /// Whether `k` hits are held.
    @inline(__always) var isFull: Bool { heap.count >= k }

    /// The minimum score a document needs to enter, which pruning may skip below: −∞ until
    /// `k` hits are held and more than ``countThreshold`` matches were counted (so a query
    /// with at most that many matches is counted exactly). Kept up to date as documents are
    /// collected, so the pruning loops read a stored value.
    private(set) var threshold: Float = -.infinity

    /// Counts a matching document without scoring it.
    @inline(__always) mutating func countMatch() {
        matched += 1
        updateThreshold()
    }

    /// Offers a matching document.
    @inline(__always)
    mutating func collect(doc: Int, score: Float) {
        matched += 1
        guard k > 0 else { return }
        let candidate = ScoredDocument(doc: doc, score: score)
        if heap.count < k {
            heap.append(candidate)
            siftUp(heap.count - 1)
        } else if candidate.ranksBefore(heap[0]) {
            heap[0] = candidate
            siftDown(0)
        } else if matched != countThreshold + 1 {
            return // neither the heap nor the count threshold changed
        }
        updateThreshold()
    }

    @inline(__always)
    private mutating func updateThreshold() {
        if k > 0 && heap.count >= k && matched > countThreshold { threshold = heap[0].score }
    }

    /// The kept hits, best first.
    func sorted() -> [ScoredDocument] {
        heap.sorted { $0.ranksBefore($1) }
    }

    private mutating func siftUp(_ index: Int) {
        var i = index
        let item = heap[i]
        while i > 0 {
            let parent = (i - 1) / 2
            // Min-heap by rank: the parent must rank after (be worse than) the child.
            if heap[parent].ranksBefore(item) {
                heap[i] = heap[parent]
                i = parent
            } else {
                break
            }
        }
        heap[i] = item
    }

    private mutating func siftDown(_ index: Int) {
        var i = index
        let item = heap[i]
        let n = heap.count
        while true {
            var child = 2 * i + 1
            if child >= n { break }
            if child + 1 < n && heap[child].ranksBefore(heap[child + 1]) { child += 1 }
            if item.ranksBefore(heap[child]) {
                heap[i] = heap[child]
                i = child
            } else {
                break
            }
        }
        heap[i] = item
    }
}
