import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from '../plumbing/environment.ts';
import { UserError } from '../plumbing/errors.ts';
import { findProgram, runProgram } from '../plumbing/programs.ts';

export const MINIMUM_JAVA_VERSION = 17;

export interface JavaRuntime {
  executable: string;
  majorVersion: number;
}

const INSTALL_HINT = [
  `Install a Java ${MINIMUM_JAVA_VERSION}+ runtime and run the command again, e.g.`,
  '  Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless',
  '  macOS:         brew install openjdk@17',
  '  other:         a JDK from https://adoptium.net',
  'Or skip the local broker: set KAFKA_BROKERS=host:port to use a Kafka cluster you already have.',
].join('\n');

/** The Java that runs the local broker: $JAVA_HOME/bin/java, else `java` on PATH; 17 or newer. */
export async function findJava(env: Environment = process.env): Promise<JavaRuntime> {
  const fromHome = env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : undefined;
  const executable = fromHome && existsSync(fromHome) ? fromHome : findProgram('java', env);
  if (!executable) {
    throw new UserError(
      `The local Kafka broker needs Java ${MINIMUM_JAVA_VERSION} or newer, and no java was found on PATH or in JAVA_HOME.`,
      { hint: INSTALL_HINT },
    );
  }
  const { stderr, stdout } = await runProgram(executable, ['-version'], { env, timeoutMs: 30_000 });
  const majorVersion = parseJavaMajorVersion(`${stderr}\n${stdout}`);
  if (majorVersion === undefined || majorVersion < MINIMUM_JAVA_VERSION) {
    throw new UserError(
      `The local Kafka broker needs Java ${MINIMUM_JAVA_VERSION} or newer; ${executable} is ${majorVersion ?? 'of an unknown version'}.`,
      { hint: INSTALL_HINT },
    );
  }
  return { executable, majorVersion };
}

/** `openjdk version "17.0.15"` → 17; `java version "1.8.0_392"` → 8. */
export function parseJavaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}
