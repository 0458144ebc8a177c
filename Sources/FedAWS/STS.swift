/// Who a credential is, as AWS says: the account and the principal's ARN.
public struct AWSIdentity: Sendable, Equatable, Codable {
    public var account: String
    public var arn: String
    public var userID: String
}

extension AWSClient {
    /// STS GetCallerIdentity: allowed for every valid credential, so it checks the key, the
    /// secret, the session token and the endpoint in one call.
    public func callerIdentity() throws(AWSAPIError) -> AWSIdentity {
        let xml = try call(service: "sts", action: "GetCallerIdentity", version: "2011-06-15")
        guard let account = xml.value("GetCallerIdentityResult", "Account"), let arn = xml.value("GetCallerIdentityResult", "Arn") else {
            throw AWSAPIError(kind: .malformed, service: "sts", action: "GetCallerIdentity", endpoint: endpoint(for: "sts").description,
                              status: 200, code: "Malformed", message: "no Account/Arn in the answer", requestID: xml.value("RequestId"),
                              retryable: false)
        }
        return AWSIdentity(account: account, arn: arn, userID: xml.value("GetCallerIdentityResult", "UserId") ?? "")
    }
}
