/// One value bound to a statement parameter. A closed enum keeps binding explicit:
/// the storage class is chosen by the caller, never guessed from `Any`.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public static func int(_ value: Int) -> SQLValue { .integer(Int64(value)) }

    /// `nil` binds SQL NULL; this keeps optional columns to one expression at call sites.
    public static func text(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
    public static func int(_ value: Int?) -> SQLValue { value.map { .integer(Int64($0)) } ?? .null }
    public static func real(_ value: Double?) -> SQLValue { value.map { .real($0) } ?? .null }
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(nilLiteral: ()) { self = .null }
}
