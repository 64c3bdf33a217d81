import EventStore
import Foundation
import GRDB
import Model
import Wire

// Enterprise cases (涉企案件), the liaison work log, and the read side (profiles, portfolios,
// totals, the overdue report). All of it runs in the engine's transactions, on event time.

extension LiaisonCore {
    // MARK: Cases

    static func fen(_ yuan: Double) -> Int64 { Int64((yuan * 100).rounded()) }

    func putCase(_ input: CaseInput, tx: Transaction) throws -> CaseWrite {
        var problems: [FieldError] = []
        func fail(_ field: String, _ reason: String) { problems.append(FieldError(field: field, reason: reason)) }
        if !EnterpriseValidator.isValidId(input.caseId) { fail("caseId", "must be 1–64 letters, digits, '-' or '_'; got '\(input.caseId)'") }
        if let n = input.suspectsCaught, n < 0 { fail("suspectsCaught", "must be 0 or more; got \(n)") }
        if let y = input.lossesRecovered, !(y.isFinite && y >= 0 && y < 1e13) { fail("lossesRecovered", "must be a number of yuan, 0 or more; got \(y)") }
        if let title = input.title, title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { fail("title", "must not be empty") }
        if let officer = input.officerId, let j = validator.jurisdiction, j.officers[officer] == nil { fail("officerId", "'\(officer)' is not an officer of this city") }
        guard problems.isEmpty else { throw LiaisonError.invalid(problems) }

        let existing = try cases(tx.db, "case_id = ?", [input.caseId]).first
        guard let old = existing else {
            guard let enterpriseId = input.enterpriseId else { throw LiaisonError.invalid([FieldError(field: "enterpriseId", reason: "is required for a new case")]) }
            guard let record = registryRecord(enterpriseId), !record.retired else {
                throw LiaisonError.invalid([FieldError(field: "enterpriseId", reason: "'\(enterpriseId)' is not a registered enterprise")])
            }
            guard let title = input.title else { throw LiaisonError.invalid([FieldError(field: "title", reason: "is required for a new case")]) }
            let status = input.status ?? .open
            let c = EnterpriseCase(caseId: input.caseId, enterpriseId: enterpriseId, officerId: input.officerId ?? record.enterprise.liaisonOfficerId,
                                   incidentId: input.incidentId, title: title, status: status, suspectsCaught: input.suspectsCaught ?? 0,
                                   lossesRecovered: Double(Self.fen(input.lossesRecovered ?? 0)) / 100, openedAt: tx.now,
                                   solvedAt: status == .solved ? tx.now : nil, updatedAt: tx.now)
            try tx.run("""
                INSERT INTO cases (case_id, enterprise_id, officer_id, incident_id, title, status, suspects_caught, losses_recovered_fen, opened_at, solved_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [c.caseId, c.enterpriseId, c.officerId, c.incidentId, c.title, c.status.rawValue, c.suspectsCaught, Self.fen(c.lossesRecovered),
                      c.openedAt.timeIntervalSince1970, c.solvedAt?.timeIntervalSince1970, c.updatedAt.timeIntervalSince1970])
            try ledger(c, opened: 1, solved: status == .solved ? 1 : 0, suspects: c.suspectsCaught, fen: Self.fen(c.lossesRecovered), tx: tx)
            try tx.emit(CaseChanged(change: "opened", enterpriseCase: c, suspectsCaughtDelta: c.suspectsCaught, lossesRecoveredDelta: c.lossesRecovered, at: tx.now))
            return CaseWrite(enterpriseCase: c, created: true, changed: true)
        }
        if let e = input.enterpriseId, e != old.enterpriseId {
            throw LiaisonError.invalid([FieldError(field: "enterpriseId", reason: "case \(old.caseId) belongs to \(old.enterpriseId); a case cannot move to another enterprise")])
        }
        if let o = input.officerId, o != old.officerId {
            throw LiaisonError.invalid([FieldError(field: "officerId", reason: "case \(old.caseId) counts for \(old.officerId); the officer is fixed when the case is opened")])
        }
        var c = old
        if let status = input.status, status != old.status {
            let allowed: Set<String> = ["open>solved", "open>closed", "solved>closed"]
            guard allowed.contains("\(old.status.rawValue)>\(status.rawValue)") else {
                throw LiaisonError.conflict("status", "case \(old.caseId) cannot go from \(old.status.rawValue) to \(status.rawValue) (open → solved → closed, or open → closed)")
            }
            c.status = status
            if status == .solved { c.solvedAt = tx.now }
        }
        if let title = input.title { c.title = title }
        if let incident = input.incidentId { c.incidentId = incident }
        if let n = input.suspectsCaught { c.suspectsCaught = n }
        if let y = input.lossesRecovered { c.lossesRecovered = Double(Self.fen(y)) / 100 }
        guard c != old else { return CaseWrite(enterpriseCase: old, created: false, changed: false) }
        c.updatedAt = tx.now
        let suspects = c.suspectsCaught - old.suspectsCaught
        let fen = Self.fen(c.lossesRecovered) - Self.fen(old.lossesRecovered)
        try tx.run("""
            UPDATE cases SET incident_id = ?, title = ?, status = ?, suspects_caught = ?, losses_recovered_fen = ?, solved_at = ?, updated_at = ? WHERE case_id = ?
            """, [c.incidentId, c.title, c.status.rawValue, c.suspectsCaught, Self.fen(c.lossesRecovered), c.solvedAt?.timeIntervalSince1970,
                  c.updatedAt.timeIntervalSince1970, c.caseId])
        try ledger(c, opened: 0, solved: (c.status == .solved && old.status != .solved) ? 1 : 0, suspects: suspects, fen: fen, tx: tx)
        try tx.emit(CaseChanged(change: "updated", enterpriseCase: c, suspectsCaughtDelta: suspects, lossesRecoveredDelta: Double(fen) / 100, at: tx.now))
        return CaseWrite(enterpriseCase: c, created: false, changed: true)
    }

    /// Every change to a case's figures is a ledger row at its event time, so totals can be taken
    /// over any period: what was opened, solved, caught and recovered in it.
    private func ledger(_ c: EnterpriseCase, opened: Int, solved: Int, suspects: Int, fen: Int64, tx: Transaction) throws {
        try tx.run("""
            INSERT INTO case_ledger (case_id, enterprise_id, officer_id, at, opened, solved, suspects, recovered_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [c.caseId, c.enterpriseId, c.officerId, tx.now.timeIntervalSince1970, opened, solved, suspects, fen])
    }

    func cases(_ db: Database, _ condition: String, _ arguments: StatementArguments) throws -> [EnterpriseCase] {
        try Row.fetchAll(db, sql: "SELECT * FROM cases WHERE \(condition) ORDER BY opened_at, case_id", arguments: arguments).map { row in
            EnterpriseCase(caseId: row["case_id"], enterpriseId: row["enterprise_id"], officerId: row["officer_id"], incidentId: row["incident_id"],
                           title: row["title"], status: EnterpriseCase.Status(rawValue: row["status"]) ?? .open, suspectsCaught: row["suspects_caught"],
                           lossesRecovered: Double(row["losses_recovered_fen"] as Int64) / 100, openedAt: Date(timeIntervalSince1970: row["opened_at"]),
                           solvedAt: (row["solved_at"] as Double?).map(Date.init(timeIntervalSince1970:)), updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
        }
    }

    func caseTotals(_ query: CaseTotalsQuery, tx: Transaction) throws -> CaseTotalsReport {
        let to = query.to ?? tx.now
        if let from = query.from, from >= to {
            throw LiaisonError.invalid([FieldError(field: "from", reason: "must be before 'to' (\(EventTime.string(to)))")])
        }
        // `to` is exclusive; when it defaults to now, include what happened at now.
        let end = query.to == nil ? to.timeIntervalSince1970 + 0.001 : to.timeIntervalSince1970
        let start = query.from?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude
        func totals(_ column: String?) throws -> [CaseTotals] {
            let key = column ?? "'city'"
            return try Row.fetchAll(tx.db, sql: """
                SELECT \(key) AS k, SUM(opened) AS o, SUM(solved) AS s, SUM(suspects) AS n, SUM(recovered_fen) AS f
                FROM case_ledger WHERE at >= ? AND at < ? GROUP BY k ORDER BY k
                """, arguments: [start, end]).map { row in
                CaseTotals(key: row["k"], casesOpened: row["o"], casesSolved: row["s"], suspectsCaught: row["n"], lossesRecovered: Double(row["f"] as Int64) / 100)
            }
        }
        let rows: [CaseTotals] = switch query.by {
        case .enterprise: try totals("enterprise_id")
        case .officer: try totals("officer_id")
        case .city: []
        }
        return CaseTotalsReport(from: query.from, to: to, by: query.by, rows: rows, city: try totals(nil).first ?? CaseTotals(key: "city"))
    }

    func allTimeTotals(_ column: String, _ key: String, tx: Transaction) throws -> CaseTotals {
        guard let row = try Row.fetchOne(tx.db, sql: """
            SELECT COUNT(*) AS c, SUM(opened) AS o, SUM(solved) AS s, SUM(suspects) AS n, SUM(recovered_fen) AS f FROM case_ledger WHERE \(column) = ?
            """, arguments: [key]), (row["c"] as Int) > 0 else { return CaseTotals(key: key) }
        return CaseTotals(key: key, casesOpened: row["o"], casesSolved: row["s"], suspectsCaught: row["n"], lossesRecovered: Double(row["f"] as Int64) / 100)
    }

    // MARK: Work log

    func logWork(_ input: WorkInput, tx: Transaction) throws -> WorkWrite {
        var problems: [FieldError] = []
        func fail(_ field: String, _ reason: String) { problems.append(FieldError(field: field, reason: reason)) }
        let record = registryRecord(input.enterpriseId)
        if record == nil || record!.retired { fail("enterpriseId", "'\(input.enterpriseId)' is not a registered enterprise") }
        if let id = input.entryId, !EnterpriseValidator.isValidId(id) { fail("entryId", "must be 1–64 letters, digits, '-' or '_'; got '\(id)'") }
        if let at = input.at, at > tx.now { fail("at", "\(EventTime.string(at)) is in the future (now is \(EventTime.string(tx.now)))") }
        if let officers = input.officerIds {
            if officers.isEmpty { fail("officerIds", "must name at least one officer (or be left out: the liaison officer)") }
            if let j = validator.jurisdiction {
                for (i, o) in officers.enumerated() where j.officers[o] == nil { fail("officerIds[\(i)]", "'\(o)' is not an officer of this city") }
            }
        }
        guard problems.isEmpty, let record else { throw LiaisonError.invalid(problems) }
        let entry = WorkLogEntry(entryId: input.entryId ?? "W-\(UUID().uuidString.prefix(12).lowercased())", enterpriseId: input.enterpriseId, kind: input.kind,
                                 officerIds: input.officerIds ?? [record.enterprise.liaisonOfficerId], at: input.at ?? tx.now, note: input.note, recordedAt: tx.now)
        if let old = try workLog(tx.db, "entry_id = ?", [entry.entryId]).first {
            let same = old.enterpriseId == entry.enterpriseId && old.kind == entry.kind && old.officerIds == entry.officerIds
                && old.note == entry.note && (input.at == nil || abs(old.at.timeIntervalSince(entry.at)) < 0.001)
            guard same else {
                throw LiaisonError.conflict("entryId", "entry '\(entry.entryId)' is already recorded with other content")
            }
            return WorkWrite(entry: old, created: false)
        }
        try tx.run("INSERT INTO worklog (entry_id, enterprise_id, kind, officer_ids, at, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [entry.entryId, entry.enterpriseId, entry.kind.rawValue, entry.officerIds.joined(separator: ","), entry.at.timeIntervalSince1970,
                    entry.note, entry.recordedAt.timeIntervalSince1970])
        try tx.emit(WorkLogged(entry: entry))
        return WorkWrite(entry: entry, created: true)
    }

    func workLog(_ db: Database, _ condition: String, _ arguments: StatementArguments, limit: Int = 1_000) throws -> [WorkLogEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM worklog WHERE \(condition) ORDER BY at DESC, entry_id LIMIT \(limit)", arguments: arguments).map { row in
            WorkLogEntry(entryId: row["entry_id"], enterpriseId: row["enterprise_id"], kind: WorkLogEntry.Kind(rawValue: row["kind"]) ?? .visit,
                         officerIds: (row["officer_ids"] as String).split(separator: ",").map(String.init), at: Date(timeIntervalSince1970: row["at"]),
                         note: row["note"], recordedAt: Date(timeIntervalSince1970: row["recorded_at"]))
        }
    }

    /// Latest visit and latest meeting per enterprise.
    func lastContacts(_ db: Database) throws -> [String: (visit: Date?, meeting: Date?)] {
        var out: [String: (visit: Date?, meeting: Date?)] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT enterprise_id, kind, MAX(at) AS last FROM worklog GROUP BY enterprise_id, kind") {
            let id: String = row["enterprise_id"]
            let last = Date(timeIntervalSince1970: row["last"])
            var entry = out[id] ?? (nil, nil)
            if row["kind"] as String == WorkLogEntry.Kind.meeting.rawValue { entry.meeting = last } else { entry.visit = last }
            out[id] = entry
        }
        return out
    }

    /// The overdue rule: an active enterprise with no visit and no joint meeting in the last
    /// `periodDays` days of event time (`at` in (now − period, now]) is overdue.
    static func isOverdue(lastContact: Date?, now: Date, periodDays: Double) -> Bool {
        guard let lastContact else { return true }
        return lastContact <= now.addingTimeInterval(-periodDays * 86_400)
    }

    func overdue(periodDays: Double, tx: Transaction) throws -> OverdueReport {
        guard periodDays.isFinite, periodDays > 0 else { throw LiaisonError.invalid([FieldError(field: "periodDays", reason: "must be more than 0; got \(periodDays)")]) }
        let contacts = try lastContacts(tx.db)
        var out: [OverdueEntry] = []
        for record in registry where !record.retired {
            let e = record.enterprise
            let c = contacts[e.id]
            let last = [c?.visit, c?.meeting].compactMap { $0 }.max()
            guard Self.isOverdue(lastContact: last, now: tx.now, periodDays: periodDays) else { continue }
            out.append(OverdueEntry(enterpriseId: e.id, name: e.name, liaisonOfficerId: e.liaisonOfficerId, lastVisitAt: c?.visit, lastMeetingAt: c?.meeting,
                                    lastContactAt: last, daysSinceContact: last.map { tx.now.timeIntervalSince($0) / 86_400 }))
        }
        return OverdueReport(asOf: tx.now, periodDays: periodDays, overdue: out)
    }

    // MARK: Read side

    func registryRecord(_ id: String) -> EnterpriseRecord? { records[id] }

    func incidents(_ db: Database, _ condition: String, _ arguments: StatementArguments, limit: Int = 500) throws -> [LiaisonIncident] {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM incidents WHERE \(condition) ORDER BY opened_at DESC, incident_id LIMIT \(limit)", arguments: arguments)
        return try rows.map { row in
            let incidentId: String = row["incident_id"]
            let enterpriseId: String = row["enterprise_id"]
            let dispatches = try Row.fetchAll(db, sql: "SELECT * FROM dispatches WHERE incident_id = ? AND enterprise_id = ? ORDER BY at, unit_id",
                                              arguments: [incidentId, enterpriseId]).map {
                LiaisonIncident.Dispatch(unitId: $0["unit_id"], callSign: $0["call_sign"], at: Date(timeIntervalSince1970: $0["at"]), coordinationAlertId: $0["coordination_alert_id"])
            }
            let zd: Bool = row["zero_disturbance"]
            return LiaisonIncident(incidentId: incidentId, enterpriseId: enterpriseId, matchedBy: row["matched_by"],
                                   reasons: (row["reasons"] as String).split(separator: ",").map(String.init),
                                   category: Category(rawValue: row["category"]) ?? .helpRequest,
                                   severity: EnterpriseAlert.Severity(rawValue: row["severity"]) ?? .minor, zeroDisturbance: zd, coordinationRequired: zd,
                                   status: row["status"], gridId: row["grid_id"], openedAt: Date(timeIntervalSince1970: row["opened_at"]),
                                   arrivedAt: (row["arrived_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                                   closedAt: (row["closed_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                                   outcome: (row["outcome"] as String?).flatMap(Outcome.init(rawValue:)), dispatches: dispatches)
        }
    }

    func alerts(_ db: Database, enterpriseId: String? = nil, officerId: String? = nil, limit: Int = 100) throws -> [AlertRecord] {
        var out: [AlertRecord] = []
        if officerId == nil {
            out += try Row.fetchAll(db, sql: "SELECT * FROM alerts WHERE enterprise_id = ? ORDER BY at DESC, alert_id LIMIT ?", arguments: [enterpriseId, limit]).map {
                AlertRecord(alertId: $0["alert_id"], audience: "enterprise", officerId: nil, kind: "incident", enterpriseId: $0["enterprise_id"],
                            incidentId: $0["incident_id"], transition: $0["transition"], matchedBy: $0["matched_by"], severity: $0["severity"],
                            zeroDisturbance: $0["zero_disturbance"], summary: $0["summary"], at: Date(timeIntervalSince1970: $0["at"]))
            }
        }
        out += try Row.fetchAll(db, sql: """
            SELECT * FROM officer_alerts WHERE (? IS NULL OR enterprise_id = ?) AND (? IS NULL OR officer_id = ?) ORDER BY at DESC, alert_id LIMIT ?
            """, arguments: [enterpriseId, enterpriseId, officerId, officerId, limit]).map {
            AlertRecord(alertId: $0["alert_id"], audience: "officer", officerId: $0["officer_id"], kind: $0["kind"], enterpriseId: $0["enterprise_id"],
                        incidentId: $0["incident_id"], transition: $0["transition"], matchedBy: $0["matched_by"], severity: $0["severity"],
                        zeroDisturbance: $0["zero_disturbance"], summary: $0["summary"], at: Date(timeIntervalSince1970: $0["at"]))
        }
        return out.sorted { ($0.at, $0.alertId) > ($1.at, $1.alertId) }
    }

    func profile(_ id: String, tx: Transaction) throws -> EnterpriseProfile {
        guard let record = registryRecord(id) else { throw LiaisonError.notFound("id", "no enterprise '\(id)'") }
        let contacts = try lastContacts(tx.db)[id]
        let last = [contacts?.visit, contacts?.meeting].compactMap { $0 }.max()
        return EnterpriseProfile(
            record: record,
            openIncidents: try incidents(tx.db, "enterprise_id = ? AND status <> 'closed'", [id]),
            recentIncidents: try incidents(tx.db, "enterprise_id = ?", [id], limit: 50),
            alerts: try alerts(tx.db, enterpriseId: id),
            cases: try cases(tx.db, "enterprise_id = ?", [id]),
            caseTotals: try allTimeTotals("enterprise_id", id, tx: tx),
            workLog: try workLog(tx.db, "enterprise_id = ?", [id], limit: 50),
            lastVisitAt: contacts?.visit, lastMeetingAt: contacts?.meeting,
            overdue: !record.retired && Self.isOverdue(lastContact: last, now: tx.now, periodDays: settings.workPeriodDays))
    }

    func portfolio(_ officerId: String, tx: Transaction) throws -> OfficerPortfolio {
        let contacts = try lastContacts(tx.db)
        var entries: [PortfolioEntry] = []
        for record in registry where !record.retired {
            let e = record.enterprise
            let role: String? = e.liaisonOfficerId == officerId ? "liaison" : e.deputyOfficerId == officerId ? "deputy" : e.stationedOfficerId == officerId ? "stationed" : nil
            guard let role else { continue }
            let c = contacts[e.id]
            let last = [c?.visit, c?.meeting].compactMap { $0 }.max()
            entries.append(PortfolioEntry(
                enterpriseId: e.id, name: e.name, role: role, majorProject: e.majorProject, zeroDisturbance: e.zeroDisturbance,
                openIncidents: try tx.fetchOne(Int.self, "SELECT COUNT(*) FROM incidents WHERE enterprise_id = ? AND status <> 'closed'", [e.id]) ?? 0,
                openCases: try tx.fetchOne(Int.self, "SELECT COUNT(*) FROM cases WHERE enterprise_id = ? AND status = 'open'", [e.id]) ?? 0,
                lastContactAt: last, overdue: Self.isOverdue(lastContact: last, now: tx.now, periodDays: settings.workPeriodDays)))
        }
        let known = validator.jurisdiction.map { $0.officers[officerId] != nil } ?? true
        if entries.isEmpty && !known { throw LiaisonError.notFound("id", "no officer '\(officerId)'") }
        return OfficerPortfolio(officerId: officerId, enterprises: entries, alerts: try alerts(tx.db, officerId: officerId, limit: 50),
                                caseTotals: try allTimeTotals("officer_id", officerId, tx: tx))
    }
}
