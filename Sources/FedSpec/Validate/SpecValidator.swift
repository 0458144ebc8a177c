/// Rules that span several parts of a spec: names are unique, references resolve, the trust
/// boundary holds, limits are consistent. Runs on a decoded spec; adds to the same diagnostics.
struct SpecValidator {
    let spec: Spec
    let ctx: DecodeContext
    var knownRegions: Set<String>?

    func run() {
        uniqueNames()
        references()
        trustBoundary()
        limits()
        if let knownRegions { regions(knownRegions) }
    }

    private func uniqueNames() {
        var participants: [String: SourceMark] = [:]
        for (i, p) in spec.participants.enumerated() where !p.name.isEmpty {
            let path = SpecPath.root.appending("participants").appending(i).appending("name")
            if let first = participants[p.name] {
                ctx.error(p.mark, path, "duplicate participant name \"\(p.name)\" (first defined at line \(first.line))")
            } else {
                participants[p.name] = p.mark
            }
            var vms: [String: SourceMark] = [:]
            for (j, vm) in p.vms.enumerated() where !vm.id.isEmpty {
                let vpath = SpecPath.root.appending("participants").appending(i).appending("vms").appending(j).appending("id")
                if let first = vms[vm.id] {
                    ctx.error(vm.mark, vpath, "duplicate VM id \"\(vm.id)\" in participant \(p.name) (first defined at line \(first.line))")
                } else {
                    vms[vm.id] = vm.mark
                }
            }
        }
    }

    private func references() {
        let names = spec.clouds.map(\.name)
        for (i, c) in spec.aggregator.candidates.clouds.enumerated() where spec.cloud(named: c) == nil {
            ctx.error(spec.aggregator.candidates.cloudMarks[i],
                      SpecPath.root.appending("aggregator").appending("candidates").appending("clouds").appending(i),
                      "unknown cloud \"\(c)\"\(Suggestion.hint(for: c, in: names)); clouds are defined under clouds:")
        }
        for (i, p) in spec.participants.enumerated() where !p.cloud.isEmpty && spec.cloud(named: p.cloud) == nil {
            ctx.error(p.cloudMark, SpecPath.root.appending("participants").appending(i).appending("cloud"),
                      "unknown cloud \"\(p.cloud)\"\(Suggestion.hint(for: p.cloud, in: names)); clouds are defined under clouds:")
        }
    }

    /// Aggregators run in public clouds and see parameters only; participants keep their data in
    /// private clouds. Either rule can be waived in `policy:`, on purpose.
    private func trustBoundary() {
        if !spec.policy.allowPrivateAggregator {
            for (i, c) in spec.aggregator.candidates.clouds.enumerated() {
                guard let cloud = spec.cloud(named: c), !ctx.unknownProvider.contains(c), !cloud.provider.isPublic else { continue }
                ctx.error(spec.aggregator.candidates.cloudMarks[i],
                          SpecPath.root.appending("aggregator").appending("candidates").appending("clouds").appending(i),
                          "cloud \"\(c)\" uses the \(cloud.provider.rawValue) provider, which is private; the aggregator runs in a public cloud (aws, gcp, azure) unless policy.allowPrivateAggregator is true")
            }
        }
        if !spec.policy.allowPublicParticipants {
            for (i, p) in spec.participants.enumerated() {
                guard let cloud = spec.cloud(named: p.cloud), !ctx.unknownProvider.contains(p.cloud), cloud.provider.isPublic else { continue }
                ctx.error(p.cloudMark, SpecPath.root.appending("participants").appending(i).appending("cloud"),
                          "cloud \"\(p.cloud)\" is a public \(cloud.provider.rawValue) cloud; participants train in their own private cloud (local, ssh, openstack) unless policy.allowPublicParticipants is true")
            }
        }
    }

    private func limits() {
        let t = spec.training
        if !spec.participants.isEmpty && t.minParticipants > spec.participants.count {
            ctx.error(t.minParticipantsMark, SpecPath.root.appending("training").appending("minParticipants"),
                      "minParticipants is \(t.minParticipants) but only \(spec.participants.count) participants are defined")
        }
    }

    private func regions(_ known: Set<String>) {
        let sorted = known.sorted()
        for (i, p) in spec.participants.enumerated() where !p.location.isEmpty && !known.contains(p.location) {
            ctx.error(p.locationMark, SpecPath.root.appending("participants").appending(i).appending("location"),
                      "unknown catalog region \"\(p.location)\"\(Suggestion.hint(for: p.location, in: sorted)); `fedplane catalog list` shows them")
        }
    }
}
