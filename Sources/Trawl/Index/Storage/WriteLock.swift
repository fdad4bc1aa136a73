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
        var previous = [UInt8](repeating: 0, count: 32)
        let n = read(fd, &previous, 31)
        let previousPid = n > 0 ? Int32(String(decoding: previous[0..<n], as: UTF8.self).split(separator: "\n").first ?? "") : nil
        let deadline = WriteLock.now() + timeout
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno != EWOULDBLOCK && errno != EINTR {
                close(fd)
                throw TrawlError(.io, "cannot lock the index", path: path, underlying: errnoString())
            }
            if WriteLock.now() >= deadline {
                close(fd)
                let holder = previousPid.map { " (process \($0))" } ?? ""
                throw TrawlError(.indexLocked, "the index is locked by another writer\(holder); wait for it to finish and try again", path: path)
            }
            usleep(50_000)
        }
        if let previousPid, previousPid != getpid(), previousPid > 0 {
            recoveredStalePid = previousPid
        } else {
            recoveredStalePid = nil
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
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
