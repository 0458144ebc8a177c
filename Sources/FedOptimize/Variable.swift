/// What values a decision variable takes. Every gene is stored as a `Double`; integer and
/// categorical genes always hold whole numbers so one array type serves mixed problems.
public enum VariableKind: Sendable, Hashable {
    /// Any value in `lower...upper`.
    case real
    /// Whole numbers in `lower...upper`; ordered, so SBX and polynomial mutation apply
    /// (followed by rounding).
    case integer
    /// One of `count` unordered choices coded 0..<count; distances mean nothing, so they get
    /// uniform crossover and uniform-reset mutation instead.
    case categorical(count: Int)
}

/// One decision variable: its bounds and kind.
public struct Variable: Sendable, Hashable {
    public var lower: Double
    public var upper: Double
    public var kind: VariableKind

    public init(lower: Double, upper: Double, kind: VariableKind = .real) {
        precondition(lower <= upper, "lower bound above upper bound")
        if kind != .real {
            precondition(Swift.max(lower.magnitude, upper.magnitude) < 0x1p52, "discrete bounds must stay below 2⁵²")
        }
        if case .categorical(let count) = kind {
            precondition(lower == 0 && upper == Double(count - 1), "categorical choices are coded 0..<count")
        }
        self.lower = lower
        self.upper = upper
        self.kind = kind
    }

    public static func real(_ bounds: ClosedRange<Double>) -> Variable {
        Variable(lower: bounds.lowerBound, upper: bounds.upperBound, kind: .real)
    }

    public static func integer(_ bounds: ClosedRange<Int>) -> Variable {
        Variable(lower: Double(bounds.lowerBound), upper: Double(bounds.upperBound), kind: .integer)
    }

    /// `count` unordered choices, coded 0...count-1.
    public static func categorical(_ count: Int) -> Variable {
        precondition(count >= 1, "a categorical variable needs at least one choice")
        return Variable(lower: 0, upper: Double(count - 1), kind: .categorical(count: count))
    }

    /// Clamps into bounds and, for discrete kinds, rounds to the nearest allowed value.
    public func repaired(_ value: Double) -> Double {
        let clamped = Swift.min(Swift.max(value, lower), upper)
        switch kind {
        case .real: return clamped
        case .integer, .categorical: return Self.roundedHalfAway(clamped)
        }
    }

    /// Round half away from zero by integer conversion: exact for the |x| < 2⁵² that discrete
    /// bounds allow, and unlike `rounded()` (a libm call on baseline x86-64) the optimiser
    /// cannot hoist it into the hot path of real genes.
    private static func roundedHalfAway(_ x: Double) -> Double {
        let magnitude = x.magnitude
        let whole = Double(Int(magnitude))
        let r = magnitude - whole >= 0.5 ? whole + 1 : whole
        return x < 0 ? -r : r
    }
}
