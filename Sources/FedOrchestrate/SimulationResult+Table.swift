/// The plain-text report of a simulation: a summary per strategy, the dropout rate and completeness
/// (at least `minParticipants` updates) of each round, and the tasks each VM ran (`tasks/updates`).
extension SimulationResult {
    public func renderTable() -> String {
        var out = "\(federation): \(rounds) rounds, \(participants) participants, minParticipants \(minParticipants), "
            + "retry \(attempts) attempt\(attempts == 1 ? "" : "s"), p = \(Format.number(failureProbability)), seed \(seed)\n\n"

        var summary = TextTable()
        summary.add("strategy", "tasks", "attempts", "updates", "dropouts", "dropout rate", "success rate",
                    "rounds complete", "run completed")
        for s in strategies {
            summary.add(s.strategy.rawValue, "\(s.tasks)", "\(s.attempts)", "\(s.updates)", "\(s.dropouts)",
                        Format.percent(s.dropoutRate), Format.percent(s.successRate),
                        "\(s.roundsComplete)/\(s.perRound.count)", s.runCompleted ? "yes" : "no")
        }
        out += summary.rendered + "\n\n"

        var perRound = TextTable()
        perRound.add("round", "orchestrator dropout", "complete", "baseline dropout", "complete")
        for (o, b) in zip(orchestrator.perRound, baseline.perRound) {
            perRound.add("\(o.round)", Format.percent(o.dropoutRate), o.complete ? "yes" : "no",
                         Format.percent(b.dropoutRate), b.complete ? "yes" : "no")
        }
        out += perRound.rendered + "\n\n"

        var vms = TextTable()
        vms.add("participant / vm", "orchestrator tasks/updates", "baseline tasks/updates")
        for (o, b) in zip(orchestrator.vmTasks, baseline.vmTasks) {
            vms.add("\(o.participant) / \(o.vm)", "\(o.tasks)/\(o.updates)", "\(b.tasks)/\(b.updates)")
        }
        return out + vms.rendered + "\n"
    }
}
