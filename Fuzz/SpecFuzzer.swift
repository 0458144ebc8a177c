// libFuzzer entry point for the spec parser and decoder. Built together with FedSpec's sources by
// Fuzz/run-spec-fuzzer.sh (libFuzzer supplies `main`, so this is not a SwiftPM target).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSpec(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let result = SpecLoader(credentialCheck: .skip, environment: [:]).load(bytes: bytes, file: "fuzz.yaml")
    // A spec is returned exactly when there are no errors; anything else is a bug.
    precondition((result.spec == nil) == result.diagnostics.hasErrors)
    for d in result.diagnostics.items {
        precondition(!d.message.isEmpty)
        if let m = d.mark { precondition(m.line >= 1 && m.column >= 1) }
    }
    return 0
}
