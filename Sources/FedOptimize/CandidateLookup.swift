/// Finds the candidate a gene vector names. Gene a holds a position in `axisValues[a]`, so a
/// vector is a mixed-radix number: when the grid is small enough (the usual clouds × regions ×
/// types) a flat table answers in a few instructions; a sparse huge grid falls back to a
/// dictionary keyed by positions (used for lookup only, so its ordering never matters).
struct CandidateLookup: Sendable {
    private static let maximumTableSize = 1 << 20

    private let strides: [Int]
    private let table: [Int32]              // -1 where no candidate sits
    private let sparse: [[Int]: Int]

    init(_ coordinates: [[Int]], axisValues: [[Int]]) throws {
        let positions: [[Int]] = coordinates.map { c in
            zip(axisValues, c).map { values, value in Self.position(of: value, in: values) }
        }
        var strides = [Int](repeating: 1, count: axisValues.count)
        var size = 1
        for a in axisValues.indices.reversed() {
            strides[a] = size
            // Capped, so the product never overflows (axes have fewer values than candidates).
            size = min(size * axisValues[a].count, Self.maximumTableSize + 1)
        }
        self.strides = strides
        var table: [Int32] = []
        var sparse: [[Int]: Int] = [:]
        if size <= Self.maximumTableSize {
            table = [Int32](repeating: -1, count: size)
            for (i, p) in positions.enumerated() {
                let slot = zip(p, strides).reduce(0) { $0 + $1.0 * $1.1 }
                if table[slot] >= 0 { throw PlacementError.duplicateCoordinates(first: Int(table[slot]), second: i) }
                table[slot] = Int32(i)
            }
        } else {
            for (i, p) in positions.enumerated() {
                if let earlier = sparse.updateValue(i, forKey: p) {
                    throw PlacementError.duplicateCoordinates(first: earlier, second: i)
                }
            }
        }
        self.table = table
        self.sparse = sparse
    }

    func candidate(at genes: [Double]) -> Int? {
        if table.isEmpty {
            return sparse[genes.map { Int($0) }]
        }
        var slot = 0
        for a in strides.indices { slot += Int(genes[a]) * strides[a] }
        let i = table[slot]
        return i >= 0 ? Int(i) : nil
    }

    /// Binary search: `values` is sorted and holds `value`.
    private static func position(of value: Int, in values: [Int]) -> Int {
        var (low, high) = (0, values.count - 1)
        while low < high {
            let mid = (low + high) / 2
            if values[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
