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
        hosts()
        regionalHosts()
        publicAggregatorNetworks()
        participantData()
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

    /// An ssh cloud's VMs (and an aggregator placed on one) name their hosts; host settings on
    /// any other cloud would be silently ignored, so they are errors.
    private func hosts() {
        for (i, p) in spec.participants.enumerated() {
            guard let cloud = spec.cloud(named: p.cloud), !ctx.unknownProvider.contains(p.cloud) else { continue }
            for (j, vm) in p.vms.enumerated() {
                let path = SpecPath.root.appending("participants").appending(i).appending("vms").appending(j)
                if cloud.provider == .ssh && vm.host == nil {
                    ctx.error(vm.mark, path.appending("host"), "VM \(vm.id) of participant \(p.name) is on the ssh cloud \(cloud.name): give its host (an address or name fedplane can reach with ssh)")
                }
                if cloud.provider != .ssh && (vm.host != nil || vm.port != nil || vm.user != nil || vm.workdir != nil) {
                    ctx.error(vm.mark, path, "host, port, user and workdir apply to VMs of an ssh cloud; \(cloud.name) uses the \(cloud.provider.rawValue) provider")
                }
            }
        }
        let sshCandidates = spec.aggregator.candidates.clouds.filter { spec.cloud(named: $0)?.provider == .ssh }
        if !sshCandidates.isEmpty && spec.aggregator.service.host == nil {
            ctx.error(spec.aggregator.mark, SpecPath.root.appending("aggregator").appending("host"),
                      "the aggregator may be placed on the ssh cloud \(sshCandidates[0]): give aggregator.host, the machine it runs on")
        }
    }

    /// `aggregator.regionalHosts` places hierarchical regional aggregators on hosts of the global
    /// aggregator's ssh cloud, one per participant location: anywhere else it would be ignored.
    private func regionalHosts() {
        let a = spec.aggregator
        guard !a.regionalHosts.isEmpty || a.regionalHostsMark != nil else { return }
        let path = SpecPath.root.appending("aggregator").appending("regionalHosts")
        if a.topology != .hierarchical {
            ctx.error(a.regionalHostsMark, path, "regionalHosts applies to topology: hierarchical (regional aggregators); add it or drop regionalHosts")
            return
        }
        let known = a.candidates.clouds.filter { !ctx.unknownProvider.contains($0) }.compactMap { spec.cloud(named: $0) }
        if let other = known.first(where: { $0.provider != .ssh }) {
            ctx.error(a.regionalHostsMark, path, "regionalHosts names hosts of an ssh cloud, but the aggregator may be placed on \(other.name) (\(other.provider.rawValue)); list only ssh clouds in aggregator.candidates.clouds or drop regionalHosts")
            return
        }
        let locations = Set(spec.participants.map(\.location))
        for r in a.regionalHosts where !locations.contains(r.location) {
            let known = locations.sorted()
            ctx.error(r.locationMark, path.appending(r.location),
                      "no participant has location \"\(r.location)\"\(Suggestion.hint(for: r.location, in: known)); regional aggregators serve the participants of one location (\(known.joined(separator: ", ")))")
        }
    }

    /// An aggregator fedplane makes in a public cloud admits its port only from the participants'
    /// declared networks: one without any could not reach it.
    private func publicAggregatorNetworks() {
        guard let cloud = spec.aggregator.candidates.clouds.first(where: { spec.cloud(named: $0)?.provider == .aws }) else { return }
        let missing = spec.participants.enumerated().filter { $0.element.networks.isEmpty && !$0.element.name.isEmpty }
        guard let first = missing.first else { return }
        ctx.warning(first.element.mark, SpecPath.root.appending("participants").appending(first.offset).appending("networks"),
                    "the aggregator may be placed on the aws cloud \(cloud), whose firewall admits its port only from the participants' networks; \(missing.map(\.element.name).joined(separator: ", ")) declare\(missing.count == 1 ? "s" : "") none (give networks: [CIDR, …], where its traffic comes from)")
    }

    /// Participants' own data: all of them or none (a federation trains one model on one kind of
    /// data), and then the model's shape comes from the spec, since fedplane never sees the data.
    private func participantData() {
        let withPath = spec.participants.enumerated().filter { $0.element.data.path != nil }
        guard !withPath.isEmpty else { return }
        if withPath.count != spec.participants.count {
            for (i, p) in spec.participants.enumerated() where p.data.path == nil {
                ctx.error(p.mark, SpecPath.root.appending("participants").appending(i).appending("data").appending("path"),
                          "participant \(p.name) has no data.path while \(withPath[0].element.name) has one: give every participant its data (or none, for the built-in demo data)")
            }
        }
        // A command trainer reads the data itself (FEDPLANE_DATA_DIR is the path); the built-in
        // trainers read it as CSV and need the model's shape. Without it the spec still plans
        // (placement, hosts), and the run refuses to start.
        guard case .builtin = spec.training.trainer else { return }
        let training = SpecPath.root.appending("training")
        if spec.training.classes == nil {
            ctx.warning(withPath[0].element.mark, training.appending("classes"),
                        "the built-in trainer reads participants' own data as CSV: list the label values in training.classes (label k is classes[k]); a run cannot start without them")
        }
        if spec.training.features == nil && spec.training.model.file == nil {
            ctx.warning(withPath[0].element.mark, training.appending("features"),
                        "the built-in trainer reads participants' own data as CSV: give training.features, the number of feature columns (or a training.model.file); a run cannot start without it")
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
