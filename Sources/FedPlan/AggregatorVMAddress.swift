import FedDigest

/// What the plan writes for an attribute of an aggregator VM a public-cloud provider makes (its
/// address, its address as a CIDR): the value recorded for it while the recorded VM is the one
/// the plan wants (same cloud, region and type), else a reference the apply fills in once the
/// VM exists — Terraform's "known after apply".
enum AggregatorVMAddress {
    static func attribute(_ attribute: String, of address: String, cloud: String, region: String, instanceType: String,
                          recorded: RecordedResource?) -> String {
        if let r = recorded, !r.isPending, r.cloud == cloud,
           r.inputs["region"]?.stringValue == region, r.inputs["instanceType"]?.stringValue == instanceType,
           let value = r.observed[attribute]?.stringValue {
            return value
        }
        return ObservedReference.string(address: address, attribute: attribute)
    }
}
