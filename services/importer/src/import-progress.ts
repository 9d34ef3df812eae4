import { z } from 'zod';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 in hex');
const count = z.number().int().min(0);

/** Why a file that was imported is not imported further. */
export type FileRefusal = 'file-changed' | 'file-truncated';

/**
 * How far a file, identified by its NAME, has been imported (v2). Written to the
 * compacted `importer-progress` topic under the key `file:<name>`, in the same Kafka
 * transaction as the records it accounts for, so it can never disagree with what was
 * published. A file only ever grows: the bytes [0, offset) were imported and must not
 * change (their SHA-256 is kept); what follows is imported when complete lines arrive.
 */
export const fileProgressSchema = z.object({
  v: z.literal(2),
  file: z.string().min(1),
  /** Next byte to import: 0 or just past a newline. */
  offset: count,
  /** Lines imported (records + rejected = line). */
  line: count,
  /** SHA-256 (hex) of the file's bytes [0, offset). */
  prefixSha256: sha256Hex,
  records: count,
  rejected: count,
  updatedAt: z.string(),
  /** The file's content [0, offset) was the complete imported content of this file: its lines were not published again. */
  duplicateOf: z.string().min(1).optional(),
  /** The file was seen changed or truncated and this was reported (a dead letter): `state` identifies what was seen, so it is reported once. */
  reported: z.object({ reason: z.enum(['file-changed', 'file-truncated']), state: z.string() }).optional(),
});

export type FileProgress = z.infer<typeof fileProgressSchema>;

/**
 * v1 (before issue #12): keyed by the SHA-256 of the whole file. Still read, so that an
 * upgrade neither re-imports nor forgets a file: see `fromV1`.
 */
export const importProgressV1Schema = z.object({
  sha256: sha256Hex,
  file: z.string(),
  size: count,
  line: count,
  offset: count,
  records: count,
  rejected: count,
  done: z.boolean(),
  updatedAt: z.string(),
});

export type ImportProgressV1 = z.infer<typeof importProgressV1Schema>;

/**
 * A v1 record of an import that had not finished (the old importer stopped mid-file):
 * its [0, offset) was imported, but only the digest of the whole file (`sha256`, `size`)
 * is known, so the file must still be exactly that to be continued.
 */
export type UnfinishedV1 = ImportProgressV1 & { v: 1 };

/** What the book knows about a name. */
export type KnownFile = FileProgress | UnfinishedV1;

/**
 * A finished v1 import becomes the v2 record of its name: the whole file [0, size) was
 * imported (the old importer also imported a last line without newline, and skipped a
 * lone BOM, so the offset is the size), and the digest of the whole file is that of the
 * prefix. An unfinished one is kept as it is (see UnfinishedV1).
 */
export function fromV1(old: ImportProgressV1): KnownFile {
  if (!old.done) return { ...old, v: 1 };
  return {
    v: 2,
    file: old.file,
    offset: old.size,
    line: old.line,
    prefixSha256: old.sha256,
    records: old.records,
    rejected: old.rejected,
    updatedAt: old.updatedAt,
  };
}

export const PROGRESS_KEY_PREFIX = 'file:';

/** Key of a file's progress record (prefixed, so no name can collide with another key kind). */
export function progressKey(file: string): string {
  return `${PROGRESS_KEY_PREFIX}${file}`;
}

/** Where a content digest was last imported complete. */
export interface KnownContent {
  file: string;
  offset: number;
  line: number;
}

/**
 * All files known to have been imported, by name, restored from the progress topic; and
 * the latest imported prefix of each by its SHA-256, to recognise the same content
 * under another name.
 */
export class ImportProgressBook {
  private readonly byName = new Map<string, KnownFile>();
  /** `owner`: the name whose record put the entry here (and whose next record removes it). */
  private readonly byContent = new Map<string, KnownContent & { owner: string }>();
  /** v1 key (whole-file digest) → name, for v1 tombstones. */
  private readonly v1Keys = new Map<string, string>();

  /** Applies one changelog record (null value = tombstone). Invalid records are ignored and reported. */
  apply(key: string | null, value: Buffer | null): string | undefined {
    if (key === null) return 'progress record without key';
    const isV2Key = key.startsWith(PROGRESS_KEY_PREFIX);
    if (!isV2Key && !/^[0-9a-f]{64}$/.test(key)) return `progress record with unknown key ${JSON.stringify(key)}`;
    if (value === null) {
      const name = isV2Key ? key.slice(PROGRESS_KEY_PREFIX.length) : this.v1Keys.get(key);
      if (name !== undefined) this.delete(name);
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(value.toString('utf8'));
    } catch {
      return `progress record ${key} is not JSON`;
    }
    if (isV2Key) {
      const parsed = fileProgressSchema.safeParse(json);
      if (!parsed.success) return `progress record ${key} is invalid: ${parsed.error.issues[0]?.message ?? ''}`;
      if (progressKey(parsed.data.file) !== key) return `progress record ${key} is for another file (${parsed.data.file})`;
      this.set(parsed.data);
      return undefined;
    }
    const old = importProgressV1Schema.safeParse(json);
    if (!old.success) return `progress record ${key} (v1) is invalid: ${old.error.issues[0]?.message ?? ''}`;
    this.v1Keys.set(key, old.data.file);
    this.set(fromV1(old.data));
    return undefined;
  }

  get(file: string): KnownFile | undefined {
    return this.byName.get(file);
  }

  set(p: KnownFile): void {
    this.delete(p.file);
    this.byName.set(p.file, p);
    if (p.v === 2 && p.offset > 0 && !this.byContent.has(p.prefixSha256)) {
      this.byContent.set(p.prefixSha256, { file: p.duplicateOf ?? p.file, offset: p.offset, line: p.line, owner: p.file });
    }
  }

  /** Where content with this SHA-256 was imported complete, if it was. */
  findContent(sha256: string): KnownContent | undefined {
    const found = this.byContent.get(sha256);
    return found && { file: found.file, offset: found.offset, line: found.line };
  }

  private delete(file: string): void {
    const previous = this.byName.get(file);
    if (previous?.v === 2 && this.byContent.get(previous.prefixSha256)?.owner === file) {
      this.byContent.delete(previous.prefixSha256);
    }
    this.byName.delete(file);
  }

  get size(): number {
    return this.byName.size;
  }
}
