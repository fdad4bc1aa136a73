@testable import Trawl

/// `documents` indexed in memory with one commit (writes not made durable: tests need no
/// fsync), with `configure` adjusting the writer's options; the directory and a reader of it.
func memoryIndex(_ documents: [Document], configure: (inout IndexWriterOptions) -> Void = { _ in }) throws -> (directory: MemoryDirectory, reader: IndexReader) {
    let directory = MemoryDirectory()
    var options = IndexWriterOptions()
    options.durable = false
    configure(&options)
    let writer = try IndexWriter(directory: directory, lock: nil, options: options)
    try writer.add(documents)
    try writer.commit()
    writer.close()
    return (directory, try IndexReader(directory: directory))
}
