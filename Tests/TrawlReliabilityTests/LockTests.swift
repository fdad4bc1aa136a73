import Foundation
import Testing
@testable import Trawl

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .enabled(if: TrawlCLI.binary != nil, Comment(rawValue: TrawlCLI.missingMessage)))
struct LockTests {
    /// The CLI, a temporary folder with `documents` small text files under `docs/`, and the
    /// index path inside it.
    static func prepare(_ label: String, documents: Int) -> (cli: String, temp: TemporaryFolder, index: String) {
        let temp = TemporaryFolder(label)
        var folder = EvolvingFolder(root: temp.sub("docs"), seed: 77)
        folder.add(documents)
        return (TrawlCLI.binary!, temp, temp.sub("index"))
    }

    /// Starts `trawl index` and stops it (SIGSTOP) once it holds the lock; nil if it finished first.
    static func startAndFreezeHolder(_ arguments: [String], lockFile: String, outputPrefix: String) -> ChildProcess? {
        for attempt in 0..<5 {
            unlink(lockFile)
            let holder = ChildProcess(arguments, outputPrefix: outputPrefix + "-\(attempt)")
            while !holder.poll() {
                let recorded = String(decoding: readFile(lockFile) ?? [], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if recorded == String(holder.pid) {
                    holder.signal(SIGSTOP)
                    return holder
                }
                usleep(200)
            }
        }
        return nil
    }

    /// Two `trawl index` runs on one index: the second fails fast with exit code 3 and a message
    /// naming the holder; with `--wait` it waits for the holder and then succeeds, without
    /// mistaking the released lock for a stale one.
    @Test func secondWriterFailsFastOrWaits() throws {
        let (cli, temp, index) = Self.prepare("lock", documents: 600)
        defer { temp.remove() }
        let arguments = [cli, "index", "--index", index, temp.sub("docs"), "-q"]
        let prepared = ChildProcess.run(arguments, outputPrefix: temp.sub("prepare"))
        #expect(prepared.exitCode == 0)
        writeFile(temp.sub("docs/extra.txt"), "A new file\n\nso the next run has work to do")

        guard let holder = Self.startAndFreezeHolder(arguments + ["--ram-budget-kb", "500"], lockFile: index + "/write.lock",
                                                     outputPrefix: temp.sub("holder")) else {
            Issue.record("the first run always finished before it could be stopped holding the lock")
            return
        }
        defer { holder.killAndWait() }

        // Fails fast, exit code 3, names the holder.
        let started = now()
        let second = ChildProcess.run(arguments, outputPrefix: temp.sub("second"), timeout: 30)
        let elapsed = now() - started
        #expect(second.exitCode == 3, "\(second.termination!) \(second.stderr)")
        #expect(second.stderr.contains("locked by another writer (process \(holder.pid))"), "\(second.stderr)")
        #expect(elapsed < 5, "the second writer took \(elapsed) s to give up")

        // Other writing commands too.
        let delete = ChildProcess.run([cli, "delete", "--index", index, "d0/doc00000.txt"], outputPrefix: temp.sub("delete"), timeout: 30)
        #expect(delete.exitCode == 3, "\(delete.stderr)")
        let optimize = ChildProcess.run([cli, "optimize", "--index", index], outputPrefix: temp.sub("optimize"), timeout: 30)
        #expect(optimize.exitCode == 3, "\(optimize.stderr)")
        // Readers are not blocked by a writer.
        let search = ChildProcess.run([cli, "search", "--index", index, "oil"], outputPrefix: temp.sub("search"), timeout: 30)
        #expect(search.exitCode == 0, "\(search.stderr)")

        // With --wait: blocks while the holder is stopped, finishes once it resumes and ends.
        let waiter = ChildProcess(arguments + ["--wait", "60"], outputPrefix: temp.sub("waiter"))
        usleep(400_000)
        #expect(!waiter.poll(), "the waiting writer did not wait: \(waiter.stderr)")
        holder.signal(SIGCONT)
        holder.wait(timeout: 60)
        #expect(holder.exitCode == 0, "\(holder.stderr)")
        waiter.wait(timeout: 60)
        #expect(waiter.exitCode == 0, "\(waiter.termination!) \(waiter.stderr)")
        #expect(!waiter.stderr.contains("stale lock"), "a lock released normally was reported as stale: \(waiter.stderr)")
        #expect(try IndexReader(path: index).check().isHealthy)
    }

    /// A writer in this process holds the lock: the CLI fails with exit code 3 naming this pid.
    @Test func lockHeldByALibraryWriter() throws {
        let (cli, temp, index) = Self.prepare("lock-lib", documents: 5)
        defer { temp.remove() }
        let writer = try IndexWriter(path: index)
        let second = ChildProcess.run([cli, "index", "--index", index, temp.sub("docs"), "-q"], outputPrefix: temp.sub("second"), timeout: 30)
        #expect(second.exitCode == 3)
        #expect(second.stderr.contains("locked by another writer (process \(getpid()))"), "\(second.stderr)")
        // A second writer in-process fails with a typed error too.
        do throws(TrawlError) {
            _ = try IndexWriter(path: index)
            Issue.record("a second writer opened while the first holds the lock")
        } catch {
            #expect(error.code == .indexLocked)
        }
        writer.close()
        let third = ChildProcess.run([cli, "index", "--index", index, temp.sub("docs"), "-q"], outputPrefix: temp.sub("third"), timeout: 30)
        #expect(third.exitCode == 0, "\(third.stderr)")
        #expect(!third.stderr.contains("stale"), "\(third.stderr)")
    }

    /// A writer killed while holding the lock leaves its pid behind; the next writer takes the
    /// lock (the kernel released it) and names the dead process.
    @Test func staleLockOfAKilledWriterIsRecovered() throws {
        let (cli, temp, index) = Self.prepare("lock-stale", documents: 300)
        defer { temp.remove() }
        let arguments = [cli, "index", "--index", index, temp.sub("docs"), "-q", "--ram-budget-kb", "500"]
        guard let holder = Self.startAndFreezeHolder(arguments, lockFile: index + "/write.lock", outputPrefix: temp.sub("victim")) else {
            Issue.record("the run always finished before it could be stopped holding the lock")
            return
        }
        holder.killAndWait()
        #expect(holder.termination == .signaled(SIGKILL))
        let next = ChildProcess.run(arguments, outputPrefix: temp.sub("next"), timeout: 60)
        #expect(next.exitCode == 0, "\(next.stderr)")
        #expect(next.stderr.contains("cleared a stale lock left by process \(holder.pid)"), "\(next.stderr)")
        let reader = try IndexReader(path: index)
        #expect(reader.documentCount == 300)
        #expect(reader.check().isHealthy)
    }
}
