/// "Did you mean" candidates: the known names nearest to a misspelt one by edit distance.
enum Suggestions {
    /// Up to `limit` candidates at the smallest distance, if that distance is small for the word's length.
    static func nearest(to word: String, in candidates: [String], limit: Int = 3) -> [String] {
        let word = word.lowercased()
        let allowed = max(2, word.count / 3)
        let scored = candidates.map { (name: $0, distance: editDistance(word, $0.lowercased())) }
        guard let best = scored.map(\.distance).min(), best <= allowed else { return [] }
        return scored.filter { $0.distance == best }.map(\.name).sorted().prefix(limit).map { $0 }
    }

    /// Levenshtein distance with adjacent transpositions (optimal string alignment): "gpc" → "gcp" is one edit.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
