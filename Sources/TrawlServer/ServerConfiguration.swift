import Trawl

/// What `trawl serve` is told: where to listen, who may write and read, and the limits.
public struct ServerConfiguration: Sendable {
    /// The address to bind (localhost by default).
    public var host = "127.0.0.1"
    /// The port (OpenSearch's 9200 by default; 0 picks a free one).
    public var port = 9200
    /// The API key every write needs (and every read with ``protectReads``); nil for none.
    public var apiKey: String?
    /// Whether reads need the API key too.
    public var protectReads = false
    /// The origin allowed to call the API from a browser (CORS); nil turns CORS off.
    public var corsOrigin: String?
    /// Threads serving requests and running searches (default: one per core).
    public var threads = ServerConfiguration.coreCount
    /// The largest request body, in bytes (OpenSearch's `http.max_content_length`, 100 MB);
    /// larger ones are answered 413.
    public var maximumBodySize = 100 << 20
    /// The longest query text, in bytes, of a `_search`, `_count` or `/search` request.
    public var maximumQueryLength = NativeSearch.maximumQueryLength

    /// The defaults.
    public init() {}

    /// The number of online processors.
    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
