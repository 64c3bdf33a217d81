// The in-memory transport.
