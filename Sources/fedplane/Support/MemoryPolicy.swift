#if canImport(Glibc)
import Glibc
#endif

/// How this process's allocator treats model-sized buffers. glibc raises its mmap threshold to
/// the size of each mapped block it frees (up to 32 MiB), so after the first 27 MB model buffer is
/// freed the next ones come from the heap, and freed heap memory stays resident: the aggregator
/// of a 3 × 26.9 MB round peaked at 221 MiB instead of 174 MiB (`fedplane-bench rounds`). A fixed
/// threshold keeps every buffer of 1 MiB or more its own mapping, given back when freed.
enum MemoryPolicy {
    static func apply() {
        #if canImport(Glibc)
        // mallopt is in <malloc.h>, which the Glibc module does not bring in: looked up by name.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
        _ = unsafeBitCast(symbol, to: Mallopt.self)(mmapThreshold, 1 << 20)
        #endif
    }
}
