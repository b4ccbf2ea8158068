/**
 * Environment variables, as `process.env` holds them or a `.env` file gives them: what the config
 * loader reads and the modules below it (Kafka security, PostgreSQL TLS, programs) take. Its own
 * module, below all of them, so that none imports the config loader for a type.
 */
export type Environment = Record<string, string | undefined>;
