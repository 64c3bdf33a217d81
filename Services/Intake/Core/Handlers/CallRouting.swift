import EventStore
import Foundation
import Model

/// What becomes of an accepted call (DOMAIN.md §3.4–3.5): diverted to 12345, merged into the
/// open incident it repeats, left for review, or a new incident. Shared by a new call and by a
/// call the call-taker classifies after review.
struct CallRouting {
    let rules: IntakeRules
    /// Callers are matched on their keyed hash, which outlives the redaction of their phone.
    let callerKey: CallerKey

    /// Decides, records the incident side and emits the event; `d` comes back with the outcome.
    func route(
        _ request: CallRequest, callId: String, receivedAt: Date, _ d: inout CallDecision, ids: inout RecordSequence,
        _ tx: Transaction
    ) throws {
        let phone = request.caller?.phone.flatMap { $0.isEmpty ? nil : $0 }
        let key = phone.map(callerKey.hash)
        if let classification = d.classification {
            d.classification = rules.diversion.reading(classification, description: request.description)
        }
        let category = d.classification?.category
        let place = IncidentPlace(coordinate: d.coordinate, address: request.location?.address, grid: d.located)
        if let phone, let key { d.flags += try ledgerFlags(key: key, phone: phone, receivedAt: receivedAt, tx) }

        // The call-taker merged it: into that open incident, whatever the rules would say.
        if let target = request.mergeInto {
            guard try UpgradeStore.openIncident(target, tx.db) != nil else {
                d.outcome = .rejected
                d.status = 422
                d.problem = FieldError(field: "mergeInto", reason: "no open incident \(target) to merge into", code: "invalid-value")
                return
            }
            try merge(
                into: target, reason: "callTaker", distance: nil, request, callId: callId, receivedAt: receivedAt, place: place, &d, tx)
            return
        }
        if category == .nonPolice {
            let destination = rules.diversion.destination(request.description)
            if DiversionSafetyNet.awaitsConfirmation(d.classification) {
                d.outcome = .review
                d.diversion = destination
                d.flags += ["needs-review", DiversionSafetyNet.suggestedFlag]
                return
            }
            d.outcome = .diverted
            d.diversion = destination
            try tx.emit(
                IncidentDiverted(
                    callId: callId, channel: request.channel, ruleId: destination.ruleId, matter: destination.matter,
                    department: destination.department, description: request.description, caller: request.caller, place: place,
                    callTaker: request.callTaker, referral: request.referral, receivedAt: receivedAt, divertedAt: tx.now))
            return
        }
        let since = rules.merge.windowStart(for: receivedAt)
        // A same-caller call about another matter (a theft, then a road accident) is its own
        // incident unless the call-taker merges it (`mergeInto`).
        if let key, let match = rules.merge.sameCaller(try CallStore.earlierCalls(callerKey: key, since: since, tx.db), at: d.coordinate),
            try UpgradeStore.openIncident(match.incidentId, tx.db).map({ IncidentUpgrade.continues(category, $0.incident.category) }) ?? true
        {
            try merge(
                into: match.incidentId, reason: "sameCaller", distance: match.distance, request, callId: callId, receivedAt: receivedAt,
                place: place, &d, tx)
            return
        }
        guard let category else {
            d.outcome = .review
            d.flags.append("needs-review")
            return
        }
        if let c = d.coordinate {
            let box = rules.merge.searchBox(around: c)
            let candidates = try IncidentStore.openIncidents(
                categories: IncidentUpgrade.samePlaceCategories(category), lat: box.lat, lon: box.lon, since: since, tx.db)
            if let match = rules.merge.samePlace(candidates, at: c) {
                try merge(
                    into: match.incidentId, reason: "samePlace", distance: match.distance, request, callId: callId, receivedAt: receivedAt,
                    place: place, &d, tx)
                return
            }
        }
        try open(category: category, request, callId: callId, receivedAt: receivedAt, place: place, &d, ids: &ids, tx)
    }

    private func open(
        category: Category, _ request: CallRequest, callId: String, receivedAt: Date, place: IncidentPlace, _ d: inout CallDecision,
        ids: inout RecordSequence, _ tx: Transaction
    ) throws {
        let (id, n) = ids.newIncident()
        try IncidentStore.insert(id, n: n, callId: callId, category: category, receivedAt: receivedAt, request: request, d, tx)
        let c = d.classification
        var opened = IncidentOpened(
            incidentId: id, callId: callId, channel: request.channel, category: category, priority: c?.priority ?? IncidentPriority.of(category),
            place: place, caller: request.caller, description: request.description, callTaker: request.callTaker,
            casualties: c?.casualties ?? 0, partiesConsent: request.partiesConsent ?? false,
            enterpriseId: request.enterpriseId, receivedAt: receivedAt)
        opened.enterpriseRelated = c?.enterpriseRelated ?? false
        opened.categorySource = c?.source
        opened.flags = d.flags.isEmpty ? nil : d.flags
        opened.referral = request.referral
        // Major by dispatch's reading: only a call that makes it major later is an upgrade.
        let major = rules.major.reason(
            category: category, priority: opened.priority, casualties: opened.casualties, description: request.description)
        if major != nil { try UpgradeStore.markMajor(id, tx) }
        try tx.emit(opened)
        d.outcome = .opened
        d.incidentId = id
    }

    private func merge(
        into incident: String, reason: String, distance: Double?, _ request: CallRequest, callId: String, receivedAt: Date,
        place: IncidentPlace, _ d: inout CallDecision, _ tx: Transaction
    ) throws {
        let before = try UpgradeStore.openIncident(incident, tx.db)
        let merged = try IncidentStore.addCall(to: incident, receivedAt: receivedAt, casualties: d.classification?.casualties ?? 0, tx)
        d.outcome = .merged
        d.incidentId = incident
        d.mergeReason = reason
        // The call's own reading is kept on the call's row; what it changes about the incident
        // (casualties, a more serious category, major) is an upgrade, after the merge.
        var upgraded: IncidentUpgraded?
        if let before, let call = d.classification,
            let upgrade = IncidentUpgrade.of(before.incident, call: call, description: request.description, major: rules.major)
        {
            try UpgradeStore.apply(upgrade, to: incident, callId: callId, at: tx.now, tx)
            upgraded = IncidentUpgraded(
                incidentId: incident, callId: callId, category: upgrade.category, priority: upgrade.priority, major: upgrade.major,
                casualties: upgrade.casualties, reason: upgrade.reason, regionId: before.regionId, upgradedAt: tx.now)
        }
        try tx.emit(
            IncidentMerged(
                incidentId: incident, callId: callId, channel: request.channel, reason: reason,
                distanceMeters: distance.map { ($0 * 10).rounded() / 10 },
                callCount: merged.callCount, category: upgraded?.category ?? merged.category, place: place, caller: request.caller,
                description: request.description,
                callTaker: request.callTaker, casualties: request.casualties, regionId: merged.regionId, receivedAt: receivedAt))
        if let upgraded { try tx.emit(upgraded) }
    }

    /// Updates the repeat-caller ledger for this call and returns the caller's flags.
    private func ledgerFlags(key: String, phone: String, receivedAt: Date, _ tx: Transaction) throws -> [String] {
        let earlier = try CallStore.callCount(callerKey: key, after: receivedAt.addingTimeInterval(-rules.merge.ledgerWindow), tx.db)
        try CallerLedger.sawPhone(key, phone: phone, tx)
        if rules.merge.isRepeatCaller(earlierCalls: earlier) { try CallerLedger.markRepeat(key, phone: phone, since: receivedAt, tx) }
        return try CallerLedger.flags(key, tx.db)
    }
}
