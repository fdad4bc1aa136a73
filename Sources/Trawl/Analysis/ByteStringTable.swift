/// An open-addressing hash table that interns byte strings as dense `Int32` ids.
///
/// Keys are copied once into an arena; lookups take a borrowed buffer and allocate nothing.
/// It is the workhorse behind the analyzer's surface-form cache and the indexer's per-segment
/// term table. Not thread-safe: one per thread.
final class ByteStringTable {
    /// The table's memory (replaced whole by ``reset(expectedKeys:)``).
    @exclusivity(unchecked) private var storage: Storage
    @exclusivity(unchecked) private(set) var arenaCount = 0
    /// The number of keys interned.
    @exclusivity(unchecked) private(set) var count = 0

    /// The memory of a table sized for about `expectedKeys` keys.
    private struct Storage {
        /// Slot → id + 1 (0 marks an empty slot).
        var slots: UnsafeMutablePointer<Int32>
        var slotMask: Int
        /// `offsets[id]..<offsets[id + 1]` is key `id` in the arena.
        var offsets: UnsafeMutablePointer<Int>
        var hashes: UnsafeMutablePointer<UInt32>
        var idCapacity: Int
        var arena: UnsafeMutablePointer<UInt8>
        var arenaCapacity: Int

        init(expectedKeys: Int) {
            var slotCount = 16
            while slotCount < expectedKeys * 2 { slotCount <<= 1 }
            slotMask = slotCount - 1
            slots = .allocate(capacity: slotCount)
            slots.initialize(repeating: 0, count: slotCount)
            idCapacity = max(16, expectedKeys)
            offsets = .allocate(capacity: idCapacity + 1)
            offsets[0] = 0
            hashes = .allocate(capacity: idCapacity)
            arenaCapacity = max(256, expectedKeys * 8)
            arena = .allocate(capacity: arenaCapacity)
        }

        func deallocate() {
            slots.deallocate()
            offsets.deallocate()
            hashes.deallocate()
            arena.deallocate()
        }
    }

    /// Creates a table sized for about `expectedKeys` keys.
    init(expectedKeys: Int = 1024) {
        storage = Storage(expectedKeys: expectedKeys)
    }

    deinit {
        storage.deallocate()
    }

    /// Bytes used by the table (arena, ids and slots), for memory accounting.
    var memoryFootprint: Int { storage.arenaCapacity + storage.idCapacity * 12 + (storage.slotMask + 1) * 4 }

    /// Forgets every key and returns the memory to the size of a new table.
    func reset(expectedKeys: Int = 1024) {
        storage.deallocate()
        storage = Storage(expectedKeys: expectedKeys)
        count = 0
        arenaCount = 0
    }

    /// Forgets every key, keeping the allocated memory.
    func removeAll() {
        storage.slots.update(repeating: 0, count: storage.slotMask + 1)
        count = 0
        arenaCount = 0
    }

    /// A fast 32-bit hash of a byte string.
    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt32 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var i = 0
        let n = key.count
        guard let base = key.baseAddress else { return UInt32(truncatingIfNeeded: h) }
        while i + 8 <= n {
            let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        if i < n {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                word |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << shift
                shift += 8
                i += 1
            }
            h = (h ^ word) &* 0x94D0_49BB_1331_11EB
            h ^= h >> 29
        }
        h = (h ^ (h >> 32)) &* 0xD6E8_FEB8_6659_FD93
        return UInt32(truncatingIfNeeded: h ^ (h >> 32))
    }

    /// The id of `key`, or `nil` when it has not been interned.
    @inline(__always)
    func find(_ key: UnsafeRawBufferPointer) -> Int32? {
        let h = ByteStringTable.hash(key)
        var slot = Int(h) & storage.slotMask
        while true {
            let entry = storage.slots[slot]
            if entry == 0 { return nil }
            let id = Int(entry - 1)
            if storage.hashes[id] == h && keyEquals(id, key) { return Int32(id) }
            slot = (slot + 1) & storage.slotMask
        }
    }

    /// The id of `key`, interning it when new; `inserted` tells which.
    @inline(__always)
    func intern(_ key: UnsafeRawBufferPointer) -> (id: Int32, inserted: Bool) {
        let h = ByteStringTable.hash(key)
        var slot = Int(h) & storage.slotMask
        while true {
            let entry = storage.slots[slot]
            if entry == 0 { break }
            let id = Int(entry - 1)
            if storage.hashes[id] == h && keyEquals(id, key) { return (Int32(id), false) }
            slot = (slot + 1) & storage.slotMask
        }
        let id = count
        appendKey(key, hash: h)
        storage.slots[slot] = Int32(id + 1)
        if count * 2 > storage.slotMask + 1 { growSlots() }
        return (Int32(id), true)
    }

    /// The bytes of key `id` (valid until the next insertion).
    @inline(__always)
    func key(_ id: Int32) -> UnsafeRawBufferPointer {
        let i = Int(id)
        return UnsafeRawBufferPointer(start: storage.arena + storage.offsets[i], count: storage.offsets[i + 1] - storage.offsets[i])
    }

    /// Key `id` as an array.
    func keyBytes(_ id: Int32) -> [UInt8] { Array(key(id)) }

    /// Key `id` decoded as UTF-8.
    func keyString(_ id: Int32) -> String { String(decoding: key(id), as: UTF8.self) }

    @inline(__always)
    private func keyEquals(_ id: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = storage.offsets[id]
        let length = storage.offsets[id + 1] - start
        guard length == key.count else { return false }
        if length == 0 { return true }
        let a = UnsafeRawPointer(storage.arena + start)
        let b = key.baseAddress!
        if length <= 16 {
            // Most words are short: compare in at most two overlapping 8-byte loads, or bytes.
            if length >= 8 {
                return a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
                    && a.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
                    == b.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
            }
            if length >= 4 {
                return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                    && a.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self)
                    == b.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self)
            }
            for i in 0..<length where a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) {
                return false
            }
            return true
        }
        return memcmp(a, b, length) == 0
    }

    private func appendKey(_ key: UnsafeRawBufferPointer, hash: UInt32) {
        if count == storage.idCapacity {
            let newCapacity = storage.idCapacity * 2
            let newOffsets = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity + 1)
            newOffsets.moveInitialize(from: storage.offsets, count: count + 1)
            storage.offsets.deallocate()
            storage.offsets = newOffsets
            let newHashes = UnsafeMutablePointer<UInt32>.allocate(capacity: newCapacity)
            newHashes.moveInitialize(from: storage.hashes, count: count)
            storage.hashes.deallocate()
            storage.hashes = newHashes
            storage.idCapacity = newCapacity
        }
        if arenaCount + key.count > storage.arenaCapacity {
            var newCapacity = storage.arenaCapacity * 2
            while newCapacity < arenaCount + key.count { newCapacity *= 2 }
            let newArena = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            newArena.moveInitialize(from: storage.arena, count: arenaCount)
            storage.arena.deallocate()
            storage.arena = newArena
            storage.arenaCapacity = newCapacity
        }
        if key.count > 0 {
            (storage.arena + arenaCount).update(from: key.baseAddress!.assumingMemoryBound(to: UInt8.self), count: key.count)
        }
        arenaCount += key.count
        storage.hashes[count] = hash
        count += 1
        storage.offsets[count] = arenaCount
    }

    private func growSlots() {
        let newCount = (storage.slotMask + 1) * 2
        storage.slots.deallocate()
        storage.slots = .allocate(capacity: newCount)
        storage.slots.initialize(repeating: 0, count: newCount)
        storage.slotMask = newCount - 1
        for id in 0..<count {
            var slot = Int(storage.hashes[id]) & storage.slotMask
            while storage.slots[slot] != 0 { slot = (slot + 1) & storage.slotMask }
            storage.slots[slot] = Int32(id + 1)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
