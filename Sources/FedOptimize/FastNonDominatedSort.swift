/// Deb's fast non-dominated sort (Deb et al. 2002, §III-A), O(M·N²).
///
/// Returns the fronts best first, each as ascending row indices into `objectives`: front 0
/// holds the points nothing dominates, front 1 those dominated only by front 0, and so on.
/// With `stoppingAfter` the sort ends as soon as the fronts returned hold at least that many
/// points, which is all survival needs (pymoo's `n_stop_if_ranked`).
public func fastNonDominatedSort(_ objectives: [[Double]], stoppingAfter limit: Int? = nil) -> [[Int]] {
    let count = objectives.count
    guard count > 0 else { return [] }
    let width = objectives[0].count
    // One contiguous buffer: the N² comparisons dominate the cost, so no per-row arrays there.
    var flat = [Double]()
    flat.reserveCapacity(count * width)
    for row in objectives {
        precondition(row.count == width, "objective vectors differ in length")
        flat.append(contentsOf: row)
    }
    return flat.withUnsafeBufferPointer { values in
        sortFronts(values, count: count, width: width, limit: limit ?? count)
    }
}

private func sortFronts(_ f: UnsafeBufferPointer<Double>, count n: Int, width m: Int, limit: Int) -> [[Int]] {
    var dominatedBy = [Int](repeating: 0, count: n)      // n_p: how many dominate p
    var dominates = [[Int]](repeating: [], count: n)      // S_p: whom p dominates
    for i in 0..<n {
        let a = i * m
        for j in (i + 1)..<n {
            let b = j * m
            var aBetter = false
            var bBetter = false
            for k in 0..<m {
                let x = f[a + k], y = f[b + k]
                if x < y { aBetter = true } else if y < x { bBetter = true }
            }
            if aBetter && !bBetter {
                dominates[i].append(j)
                dominatedBy[j] += 1
            } else if bBetter && !aBetter {
                dominates[j].append(i)
                dominatedBy[i] += 1
            }
        }
    }
    var fronts: [[Int]] = []
    var current = (0..<n).filter { dominatedBy[$0] == 0 }
    var ranked = 0
    while !current.isEmpty {
        fronts.append(current)
        ranked += current.count
        if ranked >= limit { break }
        var next: [Int] = []
        for p in current {
            for q in dominates[p] {
                dominatedBy[q] -= 1
                if dominatedBy[q] == 0 { next.append(q) }
            }
        }
        next.sort()
        current = next
    }
    return fronts
}
