/// Why a safetensors buffer or file could not be read or written. `tensor` names the tensor at
/// fault when there is one; `message` is a complete sentence naming it and the problem.
public struct SafeTensorsError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// Fewer than 8 bytes, or a header length that runs past the end of the buffer/file.
        case truncated
        /// The header length is over `SafeTensors.maxHeaderLength`.
        case headerTooLarge
        /// The header is not valid UTF-8 JSON, or its top level is not an object.
        case invalidHeader
        /// Two tensors with the same name (in a header or in weights being written).
        case duplicateName
        /// `__metadata__` is not an object of string values.
        case invalidMetadata
        /// A tensor entry is not an object with `dtype`, `shape` and `data_offsets` of the right types.
        case invalidTensorInfo
        /// A `dtype` the safetensors format does not define.
        case unknownDType
        /// A `dtype` the format defines but this reader does not convert to Float32 (e.g. U8, BOOL, F8_E4M3).
        case unsupportedDType
        /// A shape with negative, non-integer or overflowing dimensions.
        case invalidShape
        /// The byte length given by `data_offsets` is not element count × dtype size.
        case sizeMismatch
        /// `data_offsets` reach past the end of the data buffer, or end before they begin.
        case offsetsOutOfBounds
        /// Tensors overlap or leave a gap between them.
        case offsetsNotContiguous
        /// The tensors do not cover the whole data buffer (trailing bytes).
        case incompleteBuffer
        /// The weights to write are not representable (e.g. a tensor whose shape and value count disagree).
        case invalidWeights
        /// Opening, reading or writing a file failed.
        case io
    }

    public let kind: Kind
    public let tensor: String?
    public let message: String

    public init(_ kind: Kind, tensor: String? = nil, _ message: String) {
        self.kind = kind
        self.tensor = tensor
        self.message = message
    }

    public var description: String { "safetensors: \(message)" }
}
