"""What drsmcheck knows, in the formats other tools read: a records table and a GX suite."""
