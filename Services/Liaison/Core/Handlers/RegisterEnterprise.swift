import EventStore
import Foundation
import Model

/// Writes an enterprise into the registry and tells the bus: `liaison.enterprise.<registered|updated>.<id>`.
/// A write that changes nothing emits nothing. Shared by the API's writes and the city's seed.
struct RegisterEnterprise {
    func handle(_ enterprise: Enterprise, origin: String, registry: inout Registry, _ tx: Transaction) throws -> EnterpriseWrite {
        guard let change = registry.registering(enterprise, at: tx.now) else {
            return EnterpriseWrite(record: registry[enterprise.id]!, created: false, changed: false)
        }
        try EnterpriseStore.write(change, tx)
        try tx.emit(EnterpriseChanged(change: change.change, enterprise: enterprise, revision: change.record.revision, origin: origin, at: tx.now))
        registry.store(change.record)
        return EnterpriseWrite(record: change.record, created: change.change == .registered, changed: true)
    }
}

/// `enterprise.put` / `enterprise.create` / `enterprise.replace`: a validated write from the API;
/// `createOnly` refuses an id that is registered and active.
struct PutEnterprise {
    let validator: EnterpriseValidator
    let register = RegisterEnterprise()

    func handle(_ enterprise: Enterprise, createOnly: Bool, registry: inout Registry, _ tx: Transaction) throws -> EnterpriseWrite {
        let problems = validator.problems(enterprise)
        guard problems.isEmpty else { throw LiaisonError.invalid(problems) }
        if createOnly, let existing = registry[enterprise.id], !existing.retired {
            throw LiaisonError.conflict("id", "enterprise '\(enterprise.id)' is already registered; PUT /v1/enterprises/\(enterprise.id) replaces it")
        }
        return try register.handle(enterprise, origin: "api", registry: &registry, tx)
    }
}

/// `enterprise.retire`: no new incident matches the enterprise; its history stays readable.
struct RetireEnterprise {
    func handle(_ id: String, registry: inout Registry, _ tx: Transaction) throws -> EnterpriseWrite {
        guard let change = try registry.retiring(id, at: tx.now) else {
            return EnterpriseWrite(record: registry[id]!, created: false, changed: false)
        }
        try EnterpriseStore.write(change, tx)
        try tx.emit(
            EnterpriseChanged(
                change: .retired, enterprise: change.record.enterprise, revision: change.record.revision, origin: "api",
                at: tx.now))
        registry.store(change.record)
        return EnterpriseWrite(record: change.record, created: false, changed: true)
    }
}

/// The first transaction of a new store writes the city's registry (one event per enterprise).
struct SeedRegistry {
    let seed: [Enterprise]
    let register = RegisterEnterprise()

    func handle(registry: inout Registry, _ tx: Transaction) throws {
        for enterprise in seed where registry[enterprise.id] == nil {
            _ = try register.handle(enterprise, origin: "seed", registry: &registry, tx)
        }
        try EnterpriseStore.markSeeded(at: tx.now, tx)
    }
}
