/// Efficient non-dominated sort with sequential search (ENS-SS, Zhang, Tian, Cheng & Jin
/// 2015), pymoo's default sorter. Same fronts as `fastNonDominatedSort`, usually far fewer
/// comparisons: points are visited in lexicographic order, so only earlier points can
/// dominate a point, and it joins the first front none of whose members dominates it.
///
/// Fronts are returned best first, each as ascending indices. `stoppingAfter` trims the
/// result to the fronts needed to hold that many points.
public func efficientNonDominatedSort(_ objectives: [[Double]], stoppingAfter limit: Int? = nil) -> [[Int]] {
    let matrix = ObjectiveMatrix(objectives)
    return efficientNonDominatedSort(matrix, rows: matrix.allRows, stoppingAfter: limit ?? objectives.count)
}

/// ENS-SS over a subset of a matrix's rows; fronts hold row numbers, ascending or, with
/// `lexicographicFronts`, in lexicographic order of their objective vectors (which saves
/// crowding distance a sort per objective in two dimensions).
func efficientNonDominatedSort(
    _ matrix: ObjectiveMatrix, rows: [Int], stoppingAfter limit: Int, lexicographicFronts: Bool = false
) -> [[Int]] {
    guard !rows.isEmpty else { return [] }
    let width = matrix.width
    var fronts: [[Int]] = []
    matrix.values.withUnsafeBufferPointer { f in
        for p in lexicographicOrder(rows, f, width) {
            var k = 0
            if width == 2 {
                while k < fronts.count && isDominated2D(p, byLastOf: fronts[k], f) { k += 1 }
            } else {
                while k < fronts.count && isDominated(p, byAnyOf: fronts[k], f, width) { k += 1 }
            }
            if k == fronts.count { fronts.append([p]) } else { fronts[k].append(p) }
        }
    }
    var ranked = 0
    var kept: [[Int]] = []
    for front in fronts where ranked < limit {
        kept.append(lexicographicFronts ? front : front.sorted())
        ranked += front.count
    }
    return kept
}

/// Rows (ascending) sorted by objective vector, ties by row number.
private func lexicographicOrder(_ rows: [Int], _ f: UnsafeBufferPointer<Double>, _ width: Int) -> [Int] {
    if width == 2 {
        // `rows` ascend and the sort is stable, so equal vectors stay in row order.
        return rows.sorted { a, b in
            let (ax, bx) = (f[2 * a], f[2 * b])
            return ax < bx || (ax == bx && f[2 * a + 1] < f[2 * b + 1])
        }
    }
    return rows.sorted { a, b in
        for k in 0..<width where f[a * width + k] != f[b * width + k] {
            return f[a * width + k] < f[b * width + k]
        }
        return a < b
    }
}

/// Two objectives: a front's members, met in lexicographic order, have non-increasing f2
/// (equal only for identical points), so its last member has the lowest f2 and dominates `p`
/// exactly when any member does. That makes each front check O(1).
private func isDominated2D(_ p: Int, byLastOf front: [Int], _ f: UnsafeBufferPointer<Double>) -> Bool {
    let q = front[front.count - 1]
    let (qx, qy, px, py) = (f[2 * q], f[2 * q + 1], f[2 * p], f[2 * p + 1])
    // q precedes p, so qx ≤ px; q dominates p unless it is worse in y or identical.
    return qy < py || (qy == py && qx < px)
}

/// Whether some member of `front` dominates `p`; members all precede `p` lexicographically, so
/// "no worse everywhere and not identical" is enough. The latest members are the closest in
/// that order and the likeliest dominators, so they are tried first.
private func isDominated(_ p: Int, byAnyOf front: [Int], _ f: UnsafeBufferPointer<Double>, _ m: Int) -> Bool {
    let b = p * m
    for q in front.reversed() {
        let a = q * m
        var noWorse = true
        var identical = true
        for k in 0..<m {
            let x = f[a + k], y = f[b + k]
            if x > y { noWorse = false; break }
            if x != y { identical = false }
        }
        if noWorse && !identical { return true }
    }
    return false
}

