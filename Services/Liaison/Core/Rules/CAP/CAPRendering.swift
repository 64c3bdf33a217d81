import Foundation
import Model
import Wire

/// What the integrator gateway adds to each enterprise alert it forwards.
public enum CAPRendering {
    /// The alert again as CAP 1.2 XML on `cap.enterprise.<id>`, for integrators whose tools
    /// already read CAP.
    ///
    /// Same sequence and time as the alert; the header's type says it is CAP and its id differs,
    /// so the two stay distinct events to an integrator that de-duplicates by id.
    @Sendable public static func render(_ event: OutboundEvent) -> [OutboundEvent] {
        guard let header = try? EventHeader.decode(event.header),
            let alert = try? JSONCodec.decode(EnterpriseAlert.self, from: event.payload, fallback: decoder)
        else { return [] }
        let capHeader = header.rendering(as: "cap.enterprise", idSuffix: "cap")
        return [
            OutboundEvent(
                seq: event.seq, topic: Array((Topics.capEnterpriseAlert + alert.enterpriseId).utf8),
                header: capHeader.encoded(), payload: Array(CAPMessage.render(alert).utf8))
        ]
    }

    /// Shared by the bus thread (live) and the store's reader (an integrator's replay): JSONDecoder is Sendable.
    private static let decoder = JSONCodec.decoder()
}
