#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The single-writer lock of an index folder: `write.lock`, held with `flock`.
///
/// The kernel releases an `flock` when its process dies, so a lock file left by a killed
/// writer is stale by construction: the next writer takes it and reports the dead holder's pid.
final class WriteLock {
    private var fd: Int32
    /// The pid written by a previous holder that died without releasing, if any.
    let recoveredStalePid: Int32?

    /// Takes the lock, waiting up to `timeout` seconds for another writer to finish.
    init(directory: FileSystemDirectory, timeout: Double = 0) throws(TrawlError) {
        let path = directory.fullPath("write.lock")
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TrawlError(.io, "cannot create the index lock file", path: path, underlying: errnoString())
        }
        let deadline = WriteLock.now() + timeout
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno != EWOULDBLOCK && errno != EINTR {
                close(fd)
                throw TrawlError(.io, "cannot lock the index", path: path, underlying: errnoString())
            }
            if WriteLock.now() >= deadline {
                let holder = WriteLock.recordedPid(fd).map { " (process \($0))" } ?? ""
                close(fd)
                throw TrawlError(.indexLocked, "the index is locked by another writer\(holder); wait for it to finish and try again", path: path)
            }
            usleep(50_000)
        }
        // Read the pid only now that the lock is ours: a writer we waited for clears it when it
        // releases, so a pid still recorded here belongs to a writer that died holding the lock.
        let previousPid = WriteLock.recordedPid(fd)
        if let previousPid, previousPid != getpid(), previousPid > 0 {
            recoveredStalePid = previousPid
        } else {
            recoveredStalePid = nil
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// The pid recorded in the lock file, if any.
    private static func recordedPid(_ fd: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &bytes, 31, 0)
        guard n > 0 else { return nil }
        return Int32(String(decoding: bytes[0..<n], as: UTF8.self).split(separator: "\n").first ?? "")
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Releases the lock (also done at deinit).
    func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
