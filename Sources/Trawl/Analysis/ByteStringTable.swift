/// An open-addressing hash table that interns byte strings as dense `Int32` ids.
///
/// Keys are copied once into an arena; lookups take a borrowed buffer and allocate nothing.
/// It is the workhorse behind the analyzer's surface-form cache and the indexer's per-segment
/// term table. Not thread-safe: one per thread.
final class ByteStringTable {
    private var arena: UnsafeMutablePointer<UInt8>
    private var arenaCapacity: Int
    private(set) var arenaCount = 0
    /// `offsets[id]..<offsets[id + 1]` is key `id` in the arena.
    private var offsets: UnsafeMutablePointer<Int>
    private var hashes: UnsafeMutablePointer<UInt32>
    private var idCapacity: Int
    /// The number of keys interned.
    private(set) var count = 0
    /// Slot → id + 1 (0 marks an empty slot).
    private var slots: UnsafeMutablePointer<Int32>
    private var slotMask: Int

    /// The memory of a table sized for about `expectedKeys` keys.
    private struct Storage {
        var slots: UnsafeMutablePointer<Int32>
        var slotMask: Int
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
    }

    /// Creates a table sized for about `expectedKeys` keys.
    init(expectedKeys: Int = 1024) {
        let storage = Storage(expectedKeys: expectedKeys)
        slots = storage.slots
        slotMask = storage.slotMask
        offsets = storage.offsets
        hashes = storage.hashes
        idCapacity = storage.idCapacity
        arena = storage.arena
        arenaCapacity = storage.arenaCapacity
    }

    deinit {
        slots.deallocate()
        offsets.deallocate()
        hashes.deallocate()
        arena.deallocate()
    }

    /// Bytes used by the table (arena, ids and slots), for memory accounting.
    var memoryFootprint: Int { arenaCapacity + idCapacity * 12 + (slotMask + 1) * 4 }

    /// Forgets every key and returns the memory to the size of a new table.
    func reset(expectedKeys: Int = 1024) {
        slots.deallocate()
        offsets.deallocate()
        hashes.deallocate()
        arena.deallocate()
        let storage = Storage(expectedKeys: expectedKeys)
        slots = storage.slots
        slotMask = storage.slotMask
        offsets = storage.offsets
        hashes = storage.hashes
        idCapacity = storage.idCapacity
        arena = storage.arena
        arenaCapacity = storage.arenaCapacity
        count = 0
        arenaCount = 0
    }

    /// Forgets every key, keeping the allocated memory.
    func removeAll() {
        slots.update(repeating: 0, count: slotMask + 1)
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
        var slot = Int(h) & slotMask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            let id = Int(entry - 1)
            if hashes[id] == h && keyEquals(id, key) { return Int32(id) }
            slot = (slot + 1) & slotMask
        }
    }

    /// The id of `key`, interning it when new; `inserted` tells which.
    @inline(__always)
    func intern(_ key: UnsafeRawBufferPointer) -> (id: Int32, inserted: Bool) {
        let h = ByteStringTable.hash(key)
        var slot = Int(h) & slotMask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            let id = Int(entry - 1)
            if hashes[id] == h && keyEquals(id, key) { return (Int32(id), false) }
            slot = (slot + 1) & slotMask
        }
        let id = count
        appendKey(key, hash: h)
        slots[slot] = Int32(id + 1)
        if count * 2 > slotMask + 1 { growSlots() }
        return (Int32(id), true)
    }

    /// The bytes of key `id` (valid until the next insertion).
    @inline(__always)
    func key(_ id: Int32) -> UnsafeRawBufferPointer {
        let i = Int(id)
        return UnsafeRawBufferPointer(start: arena + offsets[i], count: offsets[i + 1] - offsets[i])
    }

    /// Key `id` as an array.
    func keyBytes(_ id: Int32) -> [UInt8] { Array(key(id)) }

    /// Key `id` decoded as UTF-8.
    func keyString(_ id: Int32) -> String { String(decoding: key(id), as: UTF8.self) }

    @inline(__always)
    private func keyEquals(_ id: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = offsets[id]
        let length = offsets[id + 1] - start
        guard length == key.count else { return false }
        if length == 0 { return true }
        let a = UnsafeRawPointer(arena + start)
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
        if count == idCapacity {
            let newCapacity = idCapacity * 2
            let newOffsets = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity + 1)
            newOffsets.moveInitialize(from: offsets, count: count + 1)
            offsets.deallocate()
            offsets = newOffsets
            let newHashes = UnsafeMutablePointer<UInt32>.allocate(capacity: newCapacity)
            newHashes.moveInitialize(from: hashes, count: count)
            hashes.deallocate()
            hashes = newHashes
            idCapacity = newCapacity
        }
        if arenaCount + key.count > arenaCapacity {
            var newCapacity = arenaCapacity * 2
            while newCapacity < arenaCount + key.count { newCapacity *= 2 }
            let newArena = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            newArena.moveInitialize(from: arena, count: arenaCount)
            arena.deallocate()
            arena = newArena
            arenaCapacity = newCapacity
        }
        if key.count > 0 {
            (arena + arenaCount).update(from: key.baseAddress!.assumingMemoryBound(to: UInt8.self), count: key.count)
        }
        arenaCount += key.count
        hashes[count] = hash
        count += 1
        offsets[count] = arenaCount
    }

    private func growSlots() {
        let newCount = (slotMask + 1) * 2
        slots.deallocate()
        slots = .allocate(capacity: newCount)
        slots.initialize(repeating: 0, count: newCount)
        slotMask = newCount - 1
        for id in 0..<count {
            var slot = Int(hashes[id]) & slotMask
            while slots[slot] != 0 { slot = (slot + 1) & slotMask }
            slots[slot] = Int32(id + 1)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
