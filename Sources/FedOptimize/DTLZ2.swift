import Foundation

/// Deb, Thiele, Laumanns & Zitzler's DTLZ2 (2002): M objectives on the positive orthant of the
/// unit sphere, n real variables in [0, 1], k = n − M + 1 distance variables (front at 0.5).
public struct DTLZ2: ReferenceProblem {
    public let variables: [Variable]
    public let objectiveCount: Int
    public var constraintCount: Int { 0 }
    public var name: String { "DTLZ2" }

    public init(objectiveCount: Int = 3, variableCount: Int = 12) {
        precondition(objectiveCount >= 2 && variableCount >= objectiveCount, "DTLZ2 needs n ≥ M ≥ 2")
        self.objectiveCount = objectiveCount
        self.variables = Array(repeating: .real(0...1), count: variableCount)
    }

    public func evaluate(_ x: [Double]) -> (objectives: [Double], constraintViolations: [Double]) {
        let m = objectiveCount
        var g = 0.0
        for i in (m - 1)..<x.count { g += (x[i] - 0.5) * (x[i] - 0.5) }
        var f = [Double](repeating: 1 + g, count: m)
        for i in 0..<m {
            // f_i = (1+g) · Π_{j < m-1-i} cos(x_j π/2) · sin(x_{m-1-i} π/2) (no sine for f_0).
            for j in 0..<(m - 1 - i) { f[i] *= cos(x[j] * Double.pi / 2) }
            if i > 0 { f[i] *= sin(x[m - 1 - i] * Double.pi / 2) }
        }
        return (f, [])
    }

    /// Das–Dennis simplex lattice directions pushed onto the unit sphere; the partition count
    /// is the largest whose lattice has at most `pointCount` points.
    public func paretoFront(pointCount: Int) -> [[Double]] {
        var partitions = 1
        while latticeSize(partitions + 1) <= pointCount { partitions += 1 }
        return lattice(partitions).map { w in
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return w.map { $0 / norm }
        }
    }

    private func latticeSize(_ partitions: Int) -> Int {
        // C(partitions + M − 1, M − 1)
        var size = 1
        for i in 1..<objectiveCount { size = size * (partitions + i) / i }
        return size
    }

    private func lattice(_ partitions: Int) -> [[Double]] {
        var points: [[Double]] = []
        func extend(_ prefix: [Int], remaining: Int) {
            if prefix.count == objectiveCount - 1 {
                points.append((prefix + [remaining]).map { Double($0) / Double(partitions) })
                return
            }
            for part in 0...remaining { extend(prefix + [part], remaining: remaining - part) }
        }
        extend([], remaining: partitions)
        return points
    }
}
