import { type DatabaseConfig, LOCAL_SERVER, type ServerDatabaseConfig } from '../src/plumbing/config.ts';

/** The server a benchmark creates its databases on: the configured one, else the local server (127.0.0.1:5432, trust). */
export function benchServer(config: DatabaseConfig): ServerDatabaseConfig {
  return config.kind === 'server' ? config : LOCAL_SERVER;
}
