import { existsSync, openAsBlob, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { errorMessage } from '../plumbing/errors.ts';
import type { Logger } from '../plumbing/logger.ts';

/**
 * What PGlite's initdb makes, stored once (`npm run embedded:template`): a new embedded database
 * is loaded from it instead of running initdb. initdb in WebAssembly is the embedded database's
 * most expensive moment: some 600 MB at its peak (the server's heap grown by the bootstrap, and a
 * copy of it kept to reset it between initdb's runs), where loading this archive takes some 250 MB
 * and opening an existing database some 120 MB. It also takes a second instead of three or four.
 */
export const EMBEDDED_TEMPLATE: EmbeddedTemplate = {
  archive: new URL('../../assets/embedded-database.tar.gz', import.meta.url),
  manifest: new URL('../../assets/embedded-database.json', import.meta.url),
};

export interface EmbeddedTemplate {
  /** The data folder, as PGlite's dumpDataDir('gzip') writes it. */
  archive: URL;
  /** `{ "pglite": "<version>" }`: the PGlite that made it. */
  manifest: URL;
}

/** The version of PGlite installed beside this code. */
export function installedPgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  // The package's entry is in its dist/ folder; its package.json is not among its exports.
  const manifest = join(dirname(dirname(entry)), 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** The PGlite version that made the template, or undefined when there is none. */
export function templateVersion(template: EmbeddedTemplate = EMBEDDED_TEMPLATE): string | undefined {
  if (!existsSync(template.manifest) || !existsSync(template.archive)) return undefined;
  return (JSON.parse(readFileSync(template.manifest, 'utf8')) as { pglite?: string }).pglite;
}

/**
 * Whether a PGlite of version `installed` reads the data folder that version `made` wrote: the
 * same release series (0.5.x; from 1.0, the same major version), as for any existing database
 * after an upgrade of PGlite.
 */
export function readsTemplateOf(installed: string, made: string): boolean {
  const [major, minor] = installed.split('.');
  const [madeMajor, madeMinor] = made.split('.');
  return major === madeMajor && (major !== '0' || minor === madeMinor);
}

/**
 * Creates the embedded database in `dataDir` (which must not exist): from the template when the
 * installed PGlite reads it, else, or if loading it fails, by PGlite's own initdb.
 */
export async function createEmbedded(
  dataDir: string,
  options: PGliteOptions,
  logger: Logger,
  template: EmbeddedTemplate = EMBEDDED_TEMPLATE,
): Promise<{ pglite: PGlite; from: 'template' | 'initdb' }> {
  const created = await loadedOrInitialised(dataDir, options, logger, template);
  logger.info({ dataDir, from: created.from }, 'Created the embedded database (first run only)');
  return created;
}

async function loadedOrInitialised(
  dataDir: string,
  options: PGliteOptions,
  logger: Logger,
  template: EmbeddedTemplate,
): Promise<{ pglite: PGlite; from: 'template' | 'initdb' }> {
  const made = templateVersion(template);
  const installed = installedPgliteVersion();
  if (made !== undefined && readsTemplateOf(installed, made)) {
    try {
      return {
        pglite: await PGlite.create(dataDir, { ...options, loadDataDir: await openAsBlob(template.archive) }),
        from: 'template',
      };
    } catch (error) {
      logger.warn(
        { template: template.archive.pathname, err: errorMessage(error) },
        'Could not load the embedded database template; running initdb',
      );
      await rm(dataDir, { recursive: true, force: true });
    }
  } else {
    logger.debug({ template: made ?? 'none', installed }, 'No embedded database template for this PGlite; running initdb');
  }
  return { pglite: await PGlite.create(dataDir, options), from: 'initdb' };
}

/** Writes the template: runs PGlite's initdb in a scratch folder and stores the result. */
export async function writeTemplate(scratch: string, template: EmbeddedTemplate = EMBEDDED_TEMPLATE): Promise<void> {
  await rm(scratch, { recursive: true, force: true });
  const pglite = await PGlite.create(scratch);
  try {
    const dump = await pglite.dumpDataDir('gzip');
    await writeFile(template.archive, Buffer.from(await dump.arrayBuffer()));
    await writeFile(template.manifest, `${JSON.stringify({ pglite: installedPgliteVersion() }, null, 2)}\n`);
  } finally {
    await pglite.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
