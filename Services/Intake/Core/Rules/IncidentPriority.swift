import Model

/// The priority a category gives an incident (1 is most urgent) when no rule says otherwise.
public enum IncidentPriority {
    public static func of(_ category: Category) -> Int {
        switch category {
        case .criminal, .accidentCasualty: 1
        case .publicOrder, .accidentMinor: 2
        case .dispute, .helpRequest: 3
        case .nonPolice: 4
        }
    }
}
