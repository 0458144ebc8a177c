/// How numbers appear in messages and tables.
enum Format {
    /// `4`, not `4.0`; `1.5` stays `1.5`.
    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }

    /// `12.5%` with one decimal.
    static func percent(_ fraction: Double) -> String {
        let tenths = (fraction * 1000).rounded() / 10
        return "\(tenths)%"
    }
}
