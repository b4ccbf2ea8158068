import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The Prometheus tools the monitoring tests run: the server, and promtool to check metrics and rules. */
const PROMETHEUS_TOOLS = ['prometheus', 'promtool'] as const;

/** Where `name` is on the PATH, if it is. */
function onPath(name: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Installs Debian's `prometheus` package (the server and promtool) when they are missing and
 * this runs as root with apt-get, as .ci/run does; otherwise leaves it to `prometheusTools()` to
 * say what is missing. The package's service is not started: the tests run their own server.
 */
export function ensurePrometheus(): void {
  if (PROMETHEUS_TOOLS.every((tool) => onPath(tool))) return;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'],
  ]) {
    const result = spawnSync('apt-get', args, { env, encoding: 'utf8' });
    if (result.status !== 0) {
      process.stderr.write(`apt-get ${args.join(' ')} failed:\n${result.stderr}\n`);
      return;
    }
  }
}

/** The paths of prometheus and promtool; a clear error naming what to install when they are missing. */
export function prometheusTools(): { prometheus: string; promtool: string } {
  const prometheus = onPath('prometheus');
  const promtool = onPath('promtool');
  if (!prometheus || !promtool) {
    throw new Error(
      `The monitoring tests need Prometheus's ${[!prometheus && 'prometheus', !promtool && 'promtool'].filter(Boolean).join(' and ')} ` +
        'on the PATH. Install them: `apt-get install prometheus` (Debian, Ubuntu; `npm test` as root does it by itself), ' +
        'or a release from prometheus.io with both binaries on the PATH.',
    );
  }
  return { prometheus, promtool };
}

/** Debian's Chromium, which the dashboard tests drive with playwright-core (never a downloaded browser). */
export const CHROMIUM = '/usr/bin/chromium';

/** Installs Debian's `chromium` when it is missing and this runs as root with apt-get, as .ci/run does. */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM) || process.getuid?.() !== 0 || !onPath('apt-get')) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', 'chromium'],
  ]) {
    const result = spawnSync('apt-get', args, { env, encoding: 'utf8' });
    if (result.status !== 0) {
      process.stderr.write(`apt-get ${args.join(' ')} failed:\n${result.stderr}\n`);
      return;
    }
  }
}

/** The path of Chromium; a clear error naming what to install when it is missing. */
export function chromiumPath(): string {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The dashboard tests drive Chromium at ${CHROMIUM}. Install it: \`apt-get install chromium\` (Debian; ` +
        '`npm test` as root does it by itself).',
    );
  }
  return CHROMIUM;
}
