// Every relative link in README.md and docs/*.md leads somewhere (issue #14): the target
// file exists and, for `path#anchor`, the target has a heading with that GitHub slug.
// Absolute links (http:, https:, mailto:) are not followed.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../infra/src/paths';

interface Link {
  line: number;
  text: string;
  target: string;
}

/** The lines outside fenced code blocks (``` or ~~~), others blanked so line numbers stay. */
function proseLines(markdown: string): string[] {
  let fence: string | null = null;
  return markdown.split('\n').map((line) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === null && marker) {
      fence = marker;
      return '';
    }
    if (fence !== null) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = null;
      return '';
    }
    return line;
  });
}

/** Inline links and images `[text](target "title")` and reference definitions `[x]: target`, outside code. */
export function findLinks(markdown: string): Link[] {
  const links: Link[] = [];
  proseLines(markdown).forEach((raw, i) => {
    const line = raw.replace(/(`+)[^`]*?\1/g, (m) => ' '.repeat(m.length)); // inline code spans
    for (const m of line.matchAll(/!?\[((?:[^\]\\]|\\.)*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
      // the text as written (code spans were blanked to the same length)
      const text = raw.slice(m.index + m[0].indexOf('[') + 1, m.index + m[0].indexOf('[') + 1 + (m[1] ?? '').length);
      links.push({ line: i + 1, text, target: m[2] ?? '' });
    }
    const def = /^\s{0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s.*)?$/.exec(line);
    if (def) links.push({ line: i + 1, text: def[1] ?? '', target: def[2] ?? '' });
  });
  return links;
}

/** GitHub's anchor for a heading, simplified: lower case, punctuation but - and _ dropped, spaces to -. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a document's headings (ATX `#` headings outside code; repeats get -1, -2, … as on GitHub). */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const m = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** The dead relative links of one markdown file, each as `file:line: [text](target) — why`. */
export function deadLinks(file: string, markdown: string, root: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string[] {
  const problems: string[] = [];
  const name = relative(root, file);
  for (const link of findLinks(markdown)) {
    const { target } = link;
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
    const hash = target.indexOf('#');
    const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
    const where = `${name}:${link.line}: [${link.text}](${target})`;
    if (pathPart.startsWith('/')) {
      problems.push(`${where} — a path from the site root; use a path relative to ${name}`);
      continue;
    }
    const resolved = pathPart === '' ? file : resolve(dirname(file), pathPart);
    if (resolved !== file && !existsSync(resolved)) {
      problems.push(`${where} — ${relative(root, resolved) || pathPart} does not exist`);
      continue;
    }
    if (anchor === null || anchor === '') continue;
    if (!resolved.endsWith('.md') || (resolved !== file && statSync(resolved).isDirectory())) {
      problems.push(`${where} — an anchor into ${relative(root, resolved)}, which is not a markdown file`);
      continue;
    }
    const target_ = resolved === file ? markdown : read(resolved);
    if (!headingAnchors(target_).has(anchor)) {
      problems.push(`${where} — ${relative(root, resolved)} has no heading with anchor #${anchor}`);
    }
  }
  return problems;
}

/** README.md and every docs/*.md. */
function documentation(root: string): string[] {
  const docs = join(root, 'docs');
  const pages = existsSync(docs) ? readdirSync(docs).filter((f) => f.endsWith('.md')).sort().map((f) => join(docs, f)) : [];
  return [join(root, 'README.md'), ...pages];
}

describe('links in README.md and docs/', () => {
  it('every relative link points at an existing file, and every #anchor at a heading of it', () => {
    const files = documentation(repoRoot);
    expect(files.length).toBeGreaterThan(1);
    const problems = files.flatMap((f) => deadLinks(f, readFileSync(f, 'utf8'), repoRoot));
    expect(problems).toEqual([]);
  });

  it('the README links every page of docs/', () => {
    const readme = join(repoRoot, 'README.md');
    const linked = new Set(
      findLinks(readFileSync(readme, 'utf8'))
        .map((l) => l.target.split('#')[0] ?? '')
        .filter((t) => t !== '')
        .map((t) => resolve(repoRoot, t)),
    );
    const unlinked = documentation(repoRoot)
      .slice(1)
      .filter((f) => !linked.has(f))
      .map((f) => relative(repoRoot, f));
    expect(unlinked).toEqual([]);
  });
});

describe('the link checker itself', () => {
  // A page that is not on disk, in the real repository: links from it resolve against real files.
  const page = join(repoRoot, 'docs', 'not-on-disk.md');
  const check = (markdown: string): string[] => deadLinks(page, markdown, repoRoot);
  const where = (problems: string[]): string[] => problems.map((p) => p.replace(/ — .*/, ''));

  it('slugs headings as GitHub does for ours', () => {
    expect(slug('Kafka client: kafkajs vs alternatives')).toBe('kafka-client-kafkajs-vs-alternatives');
    expect(slug('1. On this machine, no Docker: `npm start`')).toBe('1-on-this-machine-no-docker-npm-start');
    expect(slug("The walkthrough (the original README's)")).toBe('the-walkthrough-the-original-readmes');
    expect(slug('Kafka module (`services/platform/src/kafka`)')).toBe('kafka-module-servicesplatformsrckafka');
    expect(slug('`count` and `months`, and the sequences')).toBe('count-and-months-and-the-sequences');
    expect([...headingAnchors('# A\n## A\n```\n# not a heading\n```\n### B b ##\n')]).toEqual(['a', 'a-1', 'b-b']);
  });

  it('finds inline links, images and reference definitions, not links in code', () => {
    const md = 'see [a](x.md) and ![img](i.png "t") and [`code`](y.md)\n`[no](code.md)`\n```\n[no](fenced.md)\n```\n[ref]: z.md#top\n';
    expect(findLinks(md).map((l) => [l.line, l.text, l.target])).toEqual([
      [1, 'a', 'x.md'],
      [1, 'img', 'i.png'],
      [1, '`code`', 'y.md'],
      [6, 'ref', 'z.md#top'],
    ]);
  });

  it('names the file, the line and the link of a missing file or a path from the root; ignores absolute URLs', () => {
    const md = '[gone](missing.md)\n[out](https://example.com/x.md)\n[mail](mailto:a@b.c)\n[root](/README.md)\n[ok](../README.md) [ok](../test/e2e/readme-walkthrough.test.ts)\n';
    expect(where(check(md))).toEqual(['docs/not-on-disk.md:1: [gone](missing.md)', 'docs/not-on-disk.md:4: [root](/README.md)']);
    expect(check('[gone](missing.md)\n')).toEqual(['docs/not-on-disk.md:1: [gone](missing.md) — docs/missing.md does not exist']);
  });

  it('checks anchors in the same file and in other markdown files', () => {
    expect(where(check('# Here\n\n[self](#here) [no](#nowhere)\n'))).toEqual(['docs/not-on-disk.md:3: [no](#nowhere)']);
    expect(check('[bad](../README.md#no-such-heading)\n')).toEqual([
      'docs/not-on-disk.md:1: [bad](../README.md#no-such-heading) — README.md has no heading with anchor #no-such-heading',
    ]);
    expect(check('[dir](../docs#top)\n')[0]).toMatch(/not a markdown file/);
  });
});
