import FedSpec
import Testing
@testable import FedOrchestrate

@Suite struct EligibilityTests {
    let minimum = Resources(vcpu: 2, memoryGiB: 4, diskGiB: 20)

    @Test func anInactiveVMIsReportedAsInactive() {
        let why = Eligibility.check(Fixture.vm("vm-003", .inactive, vcpu: 8, memoryGiB: 16, diskGiB: 80), minimum: minimum)
        #expect(why == .inactive(vm: "vm-003"))
        #expect(why?.description == "vm-003 is inactive")
    }

    @Test func inactivityIsReportedBeforeSize() {
        let why = Eligibility.check(Fixture.vm("vm-009", .inactive, vcpu: 1, memoryGiB: 2, diskGiB: 10), minimum: minimum)
        #expect(why?.description == "vm-009 is inactive")
    }

    @Test func aSmallVMListsEveryShortfallWithTheNumbers() {
        let why = Eligibility.check(Fixture.vm("vm-005", vcpu: 1, memoryGiB: 2, diskGiB: 10), minimum: minimum)
        #expect(why?.description == "vm-005 is below the minimum (1 vCPU < 2, 2 GiB memory < 4, 10 GiB disk < 20)")
        #expect(why == .belowMinimum(vm: "vm-005", shortfalls: [
            Shortfall(.vcpu, has: 1, needs: 2), Shortfall(.memory, has: 2, needs: 4), Shortfall(.disk, has: 10, needs: 20),
        ]))
    }

    @Test func onlyTheShortDimensionsAreListedAndFractionsKeepTheirDigits() {
        let why = Eligibility.check(Fixture.vm("vm-006", vcpu: 4, memoryGiB: 3.5, diskGiB: 40), minimum: minimum)
        #expect(why?.description == "vm-006 is below the minimum (3.5 GiB memory < 4)")
    }

    @Test func aVMExactlyAtTheMinimumIsEligible() {
        #expect(Eligibility.check(Fixture.vm("vm-002", vcpu: 2, memoryGiB: 4, diskGiB: 20), minimum: minimum) == nil)
    }

    @Test func theModelRequirementIsCheckedAfterTheMinimum() {
        let model = Resources(vcpu: 1, memoryGiB: 6, diskGiB: 1)
        let small = Fixture.vm("vm-002", vcpu: 2, memoryGiB: 4, diskGiB: 20)
        #expect(Eligibility.check(small, minimum: minimum, model: model)?.description
            == "vm-002 is below the model's requirement (4 GiB memory < 6)")
        #expect(Eligibility.check(Fixture.vm("vm-001"), minimum: minimum, model: model) == nil)
        let tiny = Fixture.vm("vm-005", vcpu: 1, memoryGiB: 2, diskGiB: 10)
        #expect(Eligibility.check(tiny, minimum: minimum, model: model)?.description.hasPrefix("vm-005 is below the minimum") == true)
    }

    @Test func theRequirementIsTheMinimumRaisedToTheModel() {
        let p = Fixture.participant("site-a", healthy: ["vm-001"])
        #expect(Eligibility.requirement(p) == minimum)
        #expect(Eligibility.requirement(p, model: Resources(vcpu: 1, memoryGiB: 6, diskGiB: 30))
            == Resources(vcpu: 2, memoryGiB: 6, diskGiB: 30))
    }

    @Test func theCaseStudyInventorySplitsTwoEligibleAndThreeNot() {
        let (eligible, ineligible) = Eligibility.partition(Fixture.hospitalUS)
        #expect(eligible.map(\.id) == ["vm-001", "vm-002"])
        #expect(ineligible.map(\.description) == [
            "vm-003 is inactive",
            "vm-004 is inactive",
            "vm-005 is below the minimum (1 vCPU < 2, 2 GiB memory < 4, 10 GiB disk < 20)",
        ])
    }
}
