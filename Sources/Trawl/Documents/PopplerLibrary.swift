#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Poppler's GLib API (`libpoppler-glib`), loaded with `dlopen` the first time a PDF is read.
///
/// Linking it would load about 45 more shared libraries (Poppler, cairo, GLib, NSS, …) at
/// every start of every program using Trawl: `trawl --version` took 39 ms instead of 21 ms.
/// Loaded on demand, only runs that read a PDF pay for it; where the library is missing, PDF
/// files fail one by one with a clear message and everything else works.
struct PopplerLibrary: @unchecked Sendable {
    /// The fields of GLib's `GError` at `error`: `{ GQuark domain; gint code; gchar *message; }`.
    static func errorFields(_ error: UnsafeMutableRawPointer) -> (domain: UInt32, code: Int32, message: String?) {
        let message = error.load(fromByteOffset: MemoryLayout<UnsafeRawPointer>.size, as: UnsafePointer<CChar>?.self)
        return (error.load(as: UInt32.self), error.load(fromByteOffset: 4, as: Int32.self), message.map { String(cString: $0) })
    }

    /// `POPPLER_ERROR_ENCRYPTED` of the `PopplerError` enumeration.
    static let errorEncrypted: Int32 = 1

    typealias Pointer = UnsafeMutableRawPointer
    let bytesNew: @convention(c) (UnsafeRawPointer?, Int) -> Pointer?
    let bytesUnref: @convention(c) (Pointer?) -> Void
    let errorFree: @convention(c) (Pointer?) -> Void
    let free: @convention(c) (Pointer?) -> Void
    let objectUnref: @convention(c) (Pointer?) -> Void
    let errorQuark: @convention(c) () -> UInt32
    let documentNewFromBytes: @convention(c) (Pointer?, UnsafePointer<CChar>?,
                                              UnsafeMutablePointer<Pointer?>?) -> Pointer?
    let title: @convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?
    let author: @convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?
    let subject: @convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?
    let keywords: @convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?
    let creator: @convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?
    let metadata: @convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?
    let creationDate: @convention(c) (Pointer?) -> Int
    let modificationDate: @convention(c) (Pointer?) -> Int
    let pageCount: @convention(c) (Pointer?) -> Int32
    let page: @convention(c) (Pointer?, Int32) -> Pointer?
    let pageText: @convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?

    /// The library, loaded once; the failure says what is missing.
    static let shared: Result<PopplerLibrary, TrawlError> = load()

    private static func load() -> Result<PopplerLibrary, TrawlError> {
        #if canImport(Darwin)
        let names = ["libpoppler-glib.8.dylib", "libpoppler-glib.dylib", "/opt/homebrew/lib/libpoppler-glib.dylib",
                     "/usr/local/lib/libpoppler-glib.dylib"]
        #else
        let names = ["libpoppler-glib.so.8", "libpoppler-glib.so"]
        #endif
        guard let handle = names.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_LOCAL) }).first else {
            return .failure(TrawlError(.documentUnreadable,
                                       "PDF files need Poppler's GLib library (libpoppler-glib; on Debian and Ubuntu the libpoppler-glib-dev package), which is not installed."))
        }
        var missing: [String] = []
        func symbol<T>(_ name: String, _ type: T.Type) -> T? {
            guard let address = dlsym(handle, name) else {
                missing.append(name)
                return nil
            }
            return unsafeBitCast(address, to: type)
        }
        typealias Getter = @convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?
        let library = PopplerLibrary(
            bytesNew: symbol("g_bytes_new", (@convention(c) (UnsafeRawPointer?, Int) -> Pointer?).self),
            bytesUnref: symbol("g_bytes_unref", (@convention(c) (Pointer?) -> Void).self),
            errorFree: symbol("g_error_free", (@convention(c) (Pointer?) -> Void).self),
            free: symbol("g_free", (@convention(c) (Pointer?) -> Void).self),
            objectUnref: symbol("g_object_unref", (@convention(c) (Pointer?) -> Void).self),
            errorQuark: symbol("poppler_error_quark", (@convention(c) () -> UInt32).self),
            documentNewFromBytes: symbol("poppler_document_new_from_bytes",
                                         (@convention(c) (Pointer?, UnsafePointer<CChar>?,
                                                          UnsafeMutablePointer<Pointer?>?) -> Pointer?).self),
            title: symbol("poppler_document_get_title", Getter.self),
            author: symbol("poppler_document_get_author", Getter.self),
            subject: symbol("poppler_document_get_subject", Getter.self),
            keywords: symbol("poppler_document_get_keywords", Getter.self),
            creator: symbol("poppler_document_get_creator", Getter.self),
            metadata: symbol("poppler_document_get_metadata", Getter.self),
            creationDate: symbol("poppler_document_get_creation_date", (@convention(c) (Pointer?) -> Int).self),
            modificationDate: symbol("poppler_document_get_modification_date", (@convention(c) (Pointer?) -> Int).self),
            pageCount: symbol("poppler_document_get_n_pages", (@convention(c) (Pointer?) -> Int32).self),
            page: symbol("poppler_document_get_page", (@convention(c) (Pointer?, Int32) -> Pointer?).self),
            pageText: symbol("poppler_page_get_text", Getter.self))
        guard missing.isEmpty, let library else {
            return .failure(TrawlError(.documentUnreadable,
                                       "The installed Poppler GLib library lacks \(missing.joined(separator: ", ")), so PDF files cannot be read."))
        }
        return .success(library)
    }
}

private extension PopplerLibrary {
    /// Builds the table when every symbol was found.
    init?(bytesNew: (@convention(c) (UnsafeRawPointer?, Int) -> Pointer?)?, bytesUnref: (@convention(c) (Pointer?) -> Void)?,
          errorFree: (@convention(c) (Pointer?) -> Void)?, free: (@convention(c) (Pointer?) -> Void)?,
          objectUnref: (@convention(c) (Pointer?) -> Void)?, errorQuark: (@convention(c) () -> UInt32)?,
          documentNewFromBytes: (@convention(c) (Pointer?, UnsafePointer<CChar>?,
                                                 UnsafeMutablePointer<Pointer?>?) -> Pointer?)?,
          title: (@convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?)?,
          author: (@convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?)?,
          subject: (@convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?)?,
          keywords: (@convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?)?,
          creator: (@convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?)?,
          metadata: (@convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?)?,
          creationDate: (@convention(c) (Pointer?) -> Int)?, modificationDate: (@convention(c) (Pointer?) -> Int)?,
          pageCount: (@convention(c) (Pointer?) -> Int32)?, page: (@convention(c) (Pointer?, Int32) -> Pointer?)?,
          pageText: (@convention(c) (Pointer?) -> UnsafeMutablePointer<CChar>?)?) {
        guard let bytesNew, let bytesUnref, let errorFree, let free, let objectUnref, let errorQuark, let documentNewFromBytes,
              let title, let author, let subject, let keywords, let creator, let metadata, let creationDate,
              let modificationDate, let pageCount, let page, let pageText else { return nil }
        self.init(bytesNew: bytesNew, bytesUnref: bytesUnref, errorFree: errorFree, free: free, objectUnref: objectUnref,
                  errorQuark: errorQuark, documentNewFromBytes: documentNewFromBytes, title: title, author: author,
                  subject: subject, keywords: keywords, creator: creator, metadata: metadata, creationDate: creationDate,
                  modificationDate: modificationDate, pageCount: pageCount, page: page, pageText: pageText)
    }
}
