/// The exact hypervolume (Lebesgue measure) dominated by `points` and bounded by
/// `reference`, for minimisation, in any number of objectives.
///
/// Only points strictly better than the reference in every objective count; dominated and
/// repeated points add nothing, so they are filtered out first. Two objectives use a sweep,
/// three a sweep over the third objective that keeps a 2-D staircase, and more objectives
/// slice along the last one down to three (HSO, While et al. 2006): exact, and quick for the
/// few hundred points an optimiser's front holds.
public func hypervolume(_ points: [[Double]], reference: [Double]) -> Double {
    let d = reference.count
    precondition(d >= 1, "the reference point needs at least one objective")
    let inside = points.filter { p in
        precondition(p.count == d, "point and reference differ in length")
        return zip(p, reference).allSatisfy { $0 < $1 }
    }
    guard !inside.isEmpty else { return 0 }
    let front = fastNonDominatedSort(inside, stoppingAfter: 1)[0].map { inside[$0] }
    return sliceVolume(uniqueRows(front), reference: reference)
}

/// Removes repeated rows, keeping the first of each (sorting keeps this order-independent).
private func uniqueRows(_ rows: [[Double]]) -> [[Double]] {
    let sorted = rows.sorted { $0.lexicographicallyPrecedes($1) }
    var unique: [[Double]] = []
    for row in sorted where unique.last != row { unique.append(row) }
    return unique
}

/// Volume of a set of points all inside the reference box (they may dominate each other).
private func sliceVolume(_ points: [[Double]], reference: [Double]) -> Double {
    switch reference.count {
    case 1:
        return reference[0] - points.map { $0[0] }.min()!
    case 2:
        return area(points.map { ($0[0], $0[1]) }, reference: (reference[0], reference[1]))
    case 3:
        return volume3D(points, reference: reference)
    default:
        // Sweep the last objective upward: between two consecutive levels the dominated
        // region is the (d-1)-dimensional volume of every point at or below the lower level.
        let last = reference.count - 1
        let sorted = points.sorted { $0[last] < $1[last] }
        let lower = Array(reference.dropLast())
        var total = 0.0
        var slice: [[Double]] = []
        for (i, p) in sorted.enumerated() {
            slice.append(Array(p.dropLast()))
            let top = i + 1 < sorted.count ? sorted[i + 1][last] : reference[last]
            let height = top - p[last]
            if height > 0 { total += sliceVolume(slice, reference: lower) * height }
        }
        return total
    }
}

/// 2-D area by a sweep in x: each point that lowers the best y so far adds the strip between
/// the old and new y, as wide as from its x to the reference.
private func area(_ points: [(Double, Double)], reference: (Double, Double)) -> Double {
    let sorted = points.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    var total = 0.0
    var bestY = reference.1
    for (x, y) in sorted where y < bestY {
        total += (reference.0 - x) * (bestY - y)
        bestY = y
    }
    return total
}

/// 3-D volume by sweeping z upward while keeping the x-y staircase of the points seen so far
/// (x ascending, y strictly descending) and its area up to date.
private func volume3D(_ points: [[Double]], reference: [Double]) -> Double {
    let sorted = points.sorted { $0[2] < $1[2] }
    var stairs: [(x: Double, y: Double)] = []
    var stairArea = 0.0
    var total = 0.0
    for (i, p) in sorted.enumerated() {
        let (x, y) = (p[0], p[1])
        // Steps left of p are not dominated by it; the last of them has the lowest y, so it
        // alone decides whether p is already covered.
        var low = 0
        while low < stairs.count && stairs[low].x < x { low += 1 }
        let coveredFromLeft = low > 0 && stairs[low - 1].y <= y
        let coveredAtSameX = low < stairs.count && stairs[low].x == x && stairs[low].y <= y
        if !coveredFromLeft && !coveredAtSameX {
            // Steps from `low` on with y ≥ p.y are dominated by p; y descends, so they are
            // contiguous.
            var end = low
            while end < stairs.count && stairs[end].y >= y { end += 1 }
            stairs.replaceSubrange(low..<end, with: [(x, y)])
            stairArea = area(stairs.map { ($0.x, $0.y) }, reference: (reference[0], reference[1]))
        }
        let top = i + 1 < sorted.count ? sorted[i + 1][2] : reference[2]
        total += stairArea * (top - p[2])
    }
    return total
}
