import FedState

/// The rules that make a saved plan applicable: made for this state (lineage), at this serial,
/// from this spec. Anything else is stale and refused.
public enum SavedPlanCheck {
    public static func verify(_ plan: Plan, path: String, state: StateSnapshot, specDigest: String, catalogVersion: String) throws {
        if let lineage = plan.lineage {
            guard lineage == state.lineage else {
                throw PlanFile.Unusable(path: path, reason: "it was made for state lineage \(lineage), but this state's lineage is \(state.lineage)")
            }
        } else if state.serial != 0 || !state.resources.isEmpty {
            throw PlanFile.Unusable(path: path, reason: "stale plan: it was made before the state existed, and the state is now at serial \(state.serial)")
        }
        guard plan.serial == state.serial else {
            throw PlanFile.Unusable(path: path, reason: "stale plan: state serial is \(state.serial), plan was made at \(plan.serial)")
        }
        if plan.specDigest != specDigest {
            throw PlanFile.Unusable(path: path, reason: "the spec changed since the plan was made; run `fedplane plan` again")
        }
        if plan.catalogVersion != catalogVersion {
            throw PlanFile.Unusable(path: path, reason: "the catalog changed since the plan was made (\(plan.catalogVersion) → \(catalogVersion)); run `fedplane plan` again")
        }
    }

    /// A plan is applied only with the spec it was made from: `-f` naming another federation, or
    /// a spec whose contents differ, is refused before any state is opened.
    public static func requireSpec(_ plan: Plan, path: String, madeFrom: String, specPath: String, federation: String,
                                   specDigest: String) throws {
        if plan.federation != federation {
            throw PlanFile.Unusable(path: path, reason: "it was made for federation \"\(plan.federation)\" (from \(madeFrom)), but \(specPath) is federation \"\(federation)\"; "
                + "apply it with -f \(madeFrom), or make a plan for \(specPath) with `fedplane plan -f \(specPath) --out FILE`")
        }
        if plan.specDigest != specDigest {
            throw PlanFile.Unusable(path: path, reason: "it was made from \(madeFrom), and \(specPath) is not that spec as it was then; "
                + "make a new plan with `fedplane plan -f \(specPath) --out FILE`")
        }
    }
}
