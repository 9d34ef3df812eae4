import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, PrefixHasher, scanFile } from './file-fingerprint';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('PrefixHasher', () => {
  it('whatever the chunks: digest of all, state at the mark, digest up to the last LF', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', '\n', 'bc', '\r\n'), { maxLength: 60 }).map((p) => Buffer.from(p.join(''))),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.nat(),
        (bytes, cuts, m) => {
          const mark = m % (bytes.length + 1);
          const h = new PrefixHasher(mark);
          let from = 0;
          for (const to of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b).concat(bytes.length)) {
            h.push(bytes.subarray(from, to));
            from = to;
          }
          const r = h.result();
          expect(r.size).toBe(bytes.length);
          expect(r.sha256).toBe(sha(bytes));
          expect(r.atMark?.digest('hex')).toBe(sha(bytes.subarray(0, mark)));
          const complete = bytes.lastIndexOf(0x0a) + 1;
          expect(r.completeBytes).toBe(complete);
          expect(r.completeSha256).toBe(sha(bytes.subarray(0, complete)));
        },
      ),
    );
  });

  it('has no state at a mark beyond what was read', () => {
    const h = new PrefixHasher(10);
    h.push(Buffer.from('abc'));
    expect(h.result().atMark).toBeUndefined();
    expect(h.result().completeSha256).toBe(EMPTY_SHA256);
  });

  it('scanFile reads up to an end, or all', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fingerprint-')), 'f');
    writeFileSync(path, 'one\ntwo\nthr');
    expect(await scanFile(path, { end: 4, mark: 4 })).toMatchObject({ size: 4, sha256: sha(Buffer.from('one\n')), completeBytes: 4 });
    expect(await scanFile(path)).toMatchObject({ size: 11, completeBytes: 8, completeSha256: sha(Buffer.from('one\ntwo\n')) });
    expect(await scanFile(path, { end: 0, mark: 0 })).toMatchObject({ size: 0, sha256: EMPTY_SHA256 });
    expect(await scanFile(path, { end: 100 })).toMatchObject({ size: 11 });
  });
});
