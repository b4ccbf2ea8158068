/**
 * npm run embedded:template
 *
 * Writes assets/embedded-database.tar.gz (and .json): what the installed PGlite's initdb makes,
 * from which a new embedded database is loaded (src/warehouse/embedded-template.ts). Run it after
 * upgrading @electric-sql/pglite; a test fails until it is.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMBEDDED_TEMPLATE, installedPgliteVersion, writeTemplate } from '../src/warehouse/embedded-template.ts';

await writeTemplate(join(tmpdir(), `pos-embedded-template-${process.pid}`));
console.log(`Wrote ${EMBEDDED_TEMPLATE.archive.pathname} (PGlite ${installedPgliteVersion()})`);
