import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ImportProgressBook, fromV1, progressKey, type FileProgress, type ImportProgressV1 } from './import-progress';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

const v1 = (over: Partial<ImportProgressV1> = {}): ImportProgressV1 => ({
  sha256: sha('a\nb\n'),
  file: 'f.csv',
  size: 4,
  line: 2,
  offset: 4,
  records: 2,
  rejected: 0,
  done: true,
  updatedAt: '2024-01-01T00:00:00.000Z',
  ...over,
});

const v2 = (over: Partial<FileProgress> = {}): FileProgress => ({
  v: 2,
  file: 'g.csv',
  offset: 2,
  line: 1,
  prefixSha256: sha('x\n'),
  records: 1,
  rejected: 0,
  updatedAt: '2024-01-01T00:00:00.000Z',
  ...over,
});

describe('ImportProgressBook', () => {
  it('reads v2 records keyed file:<name>, and finds their content by digest', () => {
    const book = new ImportProgressBook();
    expect(book.apply(progressKey('g.csv'), json(v2()))).toBeUndefined();
    expect(book.get('g.csv')).toEqual(v2());
    expect(book.findContent(sha('x\n'))).toEqual({ file: 'g.csv', offset: 2, line: 1 });
    // The file grew: its new prefix replaces the old one.
    book.apply(progressKey('g.csv'), json(v2({ offset: 4, line: 2, prefixSha256: sha('x\ny\n') })));
    expect(book.findContent(sha('x\n'))).toBeUndefined();
    expect(book.findContent(sha('x\ny\n'))).toEqual({ file: 'g.csv', offset: 4, line: 2 });
    // A duplicate points at the original and does not remove its entry when it changes.
    book.apply(progressKey('copy.csv'), json(v2({ file: 'copy.csv', offset: 4, line: 2, prefixSha256: sha('x\ny\n'), records: 0, duplicateOf: 'g.csv' })));
    book.apply(progressKey('copy.csv'), json(v2({ file: 'copy.csv', offset: 6, line: 3, prefixSha256: sha('x\ny\nz\n'), records: 1, duplicateOf: 'g.csv' })));
    expect(book.findContent(sha('x\ny\n'))?.file).toBe('g.csv');
    expect(book.size).toBe(2);
    book.apply(progressKey('g.csv'), null);
    expect(book.get('g.csv')).toBeUndefined();
  });

  it('understands v1 records (keyed by the content digest): a finished one becomes its name\'s v2 record', () => {
    const book = new ImportProgressBook();
    expect(book.apply(sha('a\nb\n'), json(v1()))).toBeUndefined();
    expect(book.get('f.csv')).toEqual({ v: 2, file: 'f.csv', offset: 4, line: 2, prefixSha256: sha('a\nb\n'), records: 2, rejected: 0, updatedAt: '2024-01-01T00:00:00.000Z' });
    expect(book.findContent(sha('a\nb\n'))).toEqual({ file: 'f.csv', offset: 4, line: 2 });
    // A later v2 record of the same name wins; a v1 tombstone removes the name.
    book.apply(progressKey('f.csv'), json(v2({ file: 'f.csv', offset: 6, line: 3, prefixSha256: sha('a\nb\nc\n') })));
    expect(book.get('f.csv')?.offset).toBe(6);
    book.apply(sha('a\nb\n'), null);
    expect(book.get('f.csv')).toBeUndefined();
  });

  it('maps a finished v1 record to the whole file (also a last line without newline, a lone BOM)', () => {
    expect(fromV1(v1({ size: 3, offset: 0, line: 0, records: 0 }))).toMatchObject({ v: 2, offset: 3, line: 0 });
    expect(fromV1(v1({ size: 5, offset: 5 }))).toMatchObject({ v: 2, offset: 5 });
  });

  it('keeps an unfinished v1 record as it is: continued only if the file is still exactly that file', () => {
    const book = new ImportProgressBook();
    book.apply(sha('a\nb\n'), json(v1({ done: false, offset: 2, line: 1, records: 1 })));
    expect(book.get('f.csv')).toMatchObject({ v: 1, sha256: sha('a\nb\n'), size: 4, offset: 2, line: 1 });
    expect(book.findContent(sha('a\nb\n'))).toBeUndefined();
  });

  it('reports records it cannot use, and goes on', () => {
    const book = new ImportProgressBook();
    const noKey: string | null = null;
    expect(book.apply(noKey, json(v2()))).toMatch(/without key/);
    expect(book.apply('g.csv', json(v2()))).toMatch(/unknown key/);
    expect(book.apply(progressKey('g.csv'), Buffer.from('{'))).toMatch(/not JSON/);
    expect(book.apply(progressKey('g.csv'), json({ ...v2(), offset: -1 }))).toMatch(/invalid/);
    expect(book.apply(progressKey('h.csv'), json(v2()))).toMatch(/another file/);
    expect(book.apply(sha('q'), json({ nonsense: true }))).toMatch(/v1\) is invalid/);
    expect(book.size).toBe(0);
  });
});
