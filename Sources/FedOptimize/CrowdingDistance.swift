/// NSGA-II's crowding distance of each point in one front, computed as pymoo's
/// `calc_crowding_distance` does so results can be compared with it:
///
/// - two or fewer points: all ∞;
/// - per objective, points are ordered by value (ties by index, a stable sort), each interior
///   point adds (next − previous) / (max − min) and the first and last add ∞;
/// - an objective that is constant over the front adds 0 to every point, boundaries included
///   (pymoo turns its 0/0 into 0);
/// - the sum is divided by the number of objectives (it does not change any ordering, but it
///   keeps the values equal to pymoo's).
public func crowdingDistance(_ objectives: [[Double]]) -> [Double] {
    let matrix = ObjectiveMatrix(objectives)
    return crowdingDistance(matrix, rows: matrix.allRows)
}

/// Crowding distances of some rows of a matrix (one front), in the order of `rows`.
func crowdingDistance(_ matrix: ObjectiveMatrix, rows: [Int]) -> [Double] {
    let n = rows.count
    guard n > 2 else { return [Double](repeating: .infinity, count: n) }
    let m = matrix.width
    var distance = [Double](repeating: 0, count: n)
    // Per objective: (value, position in `rows`), sorted by value.
    var column = [(value: Double, index: Int)](repeating: (0, 0), count: n)
    for k in 0..<m {
        for i in 0..<n { column[i] = (matrix[rows[i], k], i) }
        orderByValue(&column)
        let range = column[n - 1].value - column[0].value
        guard range > 0 else { continue }
        distance[column[0].index] = .infinity
        distance[column[n - 1].index] = .infinity
        for r in 1..<(n - 1) {
            distance[column[r].index] += (column[r + 1].value - column[r - 1].value) / range
        }
    }
    let scale = Double(m)
    for i in 0..<n where distance[i].isFinite {
        distance[i] /= scale
    }
    return distance
}

/// Sorts by value, ties in position order, as a stable sort would. Fronts often arrive
/// already ordered in one direction (in two dimensions, lexicographic order is ascending in
/// the first objective and descending in the second), so those cases take O(n).
private func orderByValue(_ column: inout [(value: Double, index: Int)]) {
    let n = column.count
    var ascending = true
    var descending = true
    for r in 1..<n {
        if column[r].value < column[r - 1].value { ascending = false }
        if column[r].value > column[r - 1].value { descending = false }
    }
    if ascending { return }
    if !descending {
        column.sort { $0.value < $1.value }   // stable
        return
    }
    column.reverse()
    // Reversing put each run of equal values in descending position order; restore it.
    var start = 0
    while start < n {
        var end = start + 1
        while end < n && column[end].value == column[start].value { end += 1 }
        if end - start > 1 { column[start..<end].reverse() }
        start = end
    }
}
