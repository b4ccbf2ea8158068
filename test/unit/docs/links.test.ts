import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The documentation's links, checked without the network: README.md, CHANGELOG.md and every page
 * in docs/. A relative link must name a file of the repository, and an `#anchor` a heading of its
 * target (GitHub's slugs); an http(s) link must be a well-formed URL (it is not fetched).
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const README_MAX_LINES = 250;

/** The pages checked, relative to the root. */
function pages(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', 'CHANGELOG.md', ...docs];
}

/** GitHub's heading slug: lower case, punctuation dropped except '-' and '_', each space a '-'. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** A heading's text as GitHub renders it: code spans, emphasis, links and HTML reduced to their text. */
function headingText(markdown: string): string {
  return markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`+/g, '')
    .replace(/(\*\*|\*|__)(\S(?:.*?\S)?)\1/g, '$2')
    .trim();
}

/** The lines of a page with fenced code blocks blanked (kept as empty lines, so line numbers hold). */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined) {
      if (marker === undefined) return line;
      fence = marker;
      return '';
    }
    if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker)
      fence = undefined;
    return '';
  });
}

/** Code spans keep their text, but nothing in them reads as a link. */
function withoutCodeLinks(line: string): string {
  return line.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (span) => span.replace(/[[\]()<>]/g, '_'));
}

const anchorCache = new Map<string, Set<string>>();

/** The anchors a markdown file offers: its headings' slugs (repeats numbered -1, -2, … as GitHub does) and HTML ids. */
function anchorsOf(file: string): Set<string> {
  const cached = anchorCache.get(file);
  if (cached) return cached;
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(readFileSync(file, 'utf8'))) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const base = slug(headingText(heading));
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const match of line.matchAll(/<a\s[^>]*\b(?:id|name)="([^"]+)"/g)) anchors.add(match[1] as string);
  }
  anchorCache.set(file, anchors);
  return anchors;
}

/** Paths .gitignore keeps out of the repository (its plain entries and `*.ext` patterns). */
function ignored(): (path: string) => boolean {
  const entries = readFileSync(join(ROOT, '.gitignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  return (path) =>
    entries.some((entry) => {
      if (entry.startsWith('*.')) return path.endsWith(entry.slice(1));
      const name = entry.replace(/^\/|\/$/g, '');
      return path === name || path.startsWith(`${name}/`) || path.split('/').includes(name);
    });
}

interface Link {
  page: string;
  line: number;
  /** As written, for messages. */
  text: string;
  target: string;
}

/** The links of a page: inline links and images, autolinks, and reference definitions. */
function linksOf(page: string): Link[] {
  const links: Link[] = [];
  proseLines(readFileSync(join(ROOT, page), 'utf8')).forEach((raw, index) => {
    const line = withoutCodeLinks(raw);
    const add = (text: string, target: string) => links.push({ page, line: index + 1, text, target });
    for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) add(match[0], match[1] as string);
    for (const match of line.matchAll(/<((?:https?|mailto):[^>\s]*)>/g)) add(match[0], match[1] as string);
    const definition = /^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(line);
    if (definition) add(definition[0].trim(), definition[1] as string);
  });
  return links;
}

/** What is wrong with a link, or undefined when nothing is. */
function problemWith(link: Link, isIgnored: (path: string) => boolean): string | undefined {
  const { target } = link;
  if (target === '') return 'an empty target';
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    if (target.startsWith('mailto:')) return /^mailto:[^@\s]+@[^@\s]+$/.test(target) ? undefined : 'a malformed mailto: address';
    if (!/^https?:\/\//i.test(target)) return 'a scheme other than http(s) or mailto';
    try {
      const url = new URL(target);
      return url.hostname === '' ? 'a URL without a host' : undefined;
    } catch {
      return 'a malformed URL';
    }
  }
  const hash = target.indexOf('#');
  const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  if (pathPart.startsWith('/')) return 'an absolute path (write it relative to the page)';
  const file = pathPart === '' ? join(ROOT, link.page) : resolve(dirname(join(ROOT, link.page)), pathPart);
  const inRepo = relative(ROOT, file).split(sep).join('/');
  if (inRepo.startsWith('..')) return 'a path outside the repository';
  if (!existsSync(file)) return `no such file: ${inRepo}`;
  if (isIgnored(inRepo)) return `${inRepo} is ignored by .gitignore, so not in the repository`;
  if (anchor === undefined) return undefined;
  if (anchor === '') return 'an empty #anchor';
  if (statSync(file).isDirectory()) return `#${anchor} on a folder`;
  if (!file.endsWith('.md'))
    return /^L\d+(-L\d+)?$/.test(anchor) ? undefined : `#${anchor}: only line anchors (#L12) fit ${inRepo}`;
  return anchorsOf(file).has(anchor) ? undefined : `no heading of ${inRepo} has the anchor #${anchor}`;
}

function describe(link: Link, problem: string): string {
  return `${link.page}:${link.line}: ${link.text}: ${problem}`;
}

test("slugs follow GitHub's rules", () => {
  assert.equal(slug('Running under a supervisor'), 'running-under-a-supervisor');
  assert.equal(
    slug(headingText('A secure local broker: `pos kafka up --secure`')),
    'a-secure-local-broker-pos-kafka-up---secure',
  );
  assert.equal(slug(headingText('`pos db migrate | reset`')), 'pos-db-migrate--reset');
  assert.equal(slug(headingText('[0.1.0] - 2026-12-02')), '010---2026-12-02');
  assert.equal(slug('Kafka over TLS and SASL'), 'kafka-over-tls-and-sasl');
  assert.equal(slug('snake_case stays'), 'snake_case-stays');
});

test('every relative link names a file of the repository, and every #anchor a heading of its target', () => {
  const isIgnored = ignored();
  const broken = pages().flatMap((page) =>
    linksOf(page).flatMap((link) => {
      const problem = problemWith(link, isIgnored);
      return problem === undefined ? [] : [describe(link, problem)];
    }),
  );
  assert.equal(broken.length, 0, `${broken.length} broken link(s):\n  ${broken.join('\n  ')}`);
});

test('the check reads links and catches broken ones', () => {
  const isIgnored = ignored();
  const link = (target: string): Link => ({ page: 'docs/operations.md', line: 1, text: `[x](${target})`, target });
  assert.ok(
    linksOf('README.md').some((found) => found.target.startsWith('docs/')),
    'README.md seems to link to no page in docs/: is the link pattern still reading the pages?',
  );
  assert.equal(problemWith(link('../README.md'), isIgnored), undefined);
  assert.equal(problemWith(link('../schemas/pos-transaction.v1.json'), isIgnored), undefined);
  assert.equal(problemWith(link('https://kafka.apache.org/documentation/'), isIgnored), undefined);
  assert.match(problemWith(link('missing.md'), isIgnored) ?? '', /no such file: docs\/missing\.md/);
  assert.match(problemWith(link('#no-such-heading'), isIgnored) ?? '', /no heading of docs\/operations\.md/);
  assert.match(problemWith(link('../node_modules'), isIgnored) ?? '', /ignored by \.gitignore/);
  assert.match(problemWith(link('https://'), isIgnored) ?? '', /malformed URL/);
  assert.match(problemWith(link('/README.md'), isIgnored) ?? '', /absolute path/);
});

test('every page in docs/ is linked from README.md', () => {
  const linked = new Set(
    linksOf('README.md')
      .filter((link) => !/^[a-z][a-z0-9+.-]*:/i.test(link.target))
      .map((link) =>
        relative(ROOT, resolve(ROOT, decodeURIComponent(link.target.split('#')[0] as string)))
          .split(sep)
          .join('/'),
      ),
  );
  const unlinked = pages()
    .filter((page) => page.startsWith('docs/'))
    .filter((page) => !linked.has(page));
  assert.deepEqual(unlinked, [], `pages in docs/ that README.md does not link to: ${unlinked.join(', ')}`);
});

test(`README.md has at most ${README_MAX_LINES} lines`, () => {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\n$/, '').split('\n').length;
  assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines; move detail into docs/ to bring it to ${README_MAX_LINES}`);
});
