import EventStore
import Foundation
import Model

/// `case.put`: opens an enterprise case or changes one; every change of its figures is a ledger
/// row and a `liaison.case.*` event with the deltas.
struct PutCase {
    let jurisdiction: Jurisdiction?

    func handle(_ input: CaseInput, registry: Registry, _ tx: Transaction) throws -> CaseWrite {
        let problems = CaseRules.problems(input, jurisdiction: jurisdiction)
        guard problems.isEmpty else { throw LiaisonError.invalid(problems) }
        guard let old = try CaseStore.cases(tx.db, caseId: input.caseId).first else {
            let c = try CaseRules.opening(input, record: input.enterpriseId.flatMap { registry[$0] }, now: tx.now)
            try CaseStore.insert(c, tx)
            try CaseStore.addToLedger(c, CaseRules.Delta(opened: c), at: tx.now, tx)
            try tx.emit(
                CaseChanged(
                    change: "opened", enterpriseCase: c, suspectsCaughtDelta: c.suspectsCaught,
                    lossesRecoveredDelta: c.lossesRecovered, at: tx.now))
            return CaseWrite(enterpriseCase: c, created: true, changed: true)
        }
        guard let c = try CaseRules.updating(old, with: input, now: tx.now) else {
            return CaseWrite(enterpriseCase: old, created: false, changed: false)
        }
        let delta = CaseRules.Delta(from: old, to: c)
        try CaseStore.update(c, tx)
        try CaseStore.addToLedger(c, delta, at: tx.now, tx)
        try tx.emit(
            CaseChanged(
                change: "updated", enterpriseCase: c, suspectsCaughtDelta: delta.suspects,
                lossesRecoveredDelta: Double(delta.fen) / 100, at: tx.now))
        return CaseWrite(enterpriseCase: c, created: false, changed: true)
    }
}
