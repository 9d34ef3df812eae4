import { z } from 'zod';

/**
 * How far a file (identified by the SHA-256 of its content) has been imported. It is
 * written to the compacted `importer-progress` topic in the same Kafka transaction as
 * the records it accounts for, so it can never disagree with what was published.
 */
export const importProgressSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  file: z.string(),
  size: z.number().int().min(0),
  /** Last line committed (0 = none yet). */
  line: z.number().int().min(0),
  /** Byte offset where the next line starts. */
  offset: z.number().int().min(0),
  records: z.number().int().min(0),
  rejected: z.number().int().min(0),
  done: z.boolean(),
  updatedAt: z.string(),
});

export type ImportProgress = z.infer<typeof importProgressSchema>;

export class ImportProgressBook {
  private readonly byHash = new Map<string, ImportProgress>();

  /** Applies one changelog record (null value = tombstone). Invalid records are ignored and reported. */
  apply(key: string | null, value: Buffer | null): string | undefined {
    if (key === null) return 'progress record without key';
    if (value === null) {
      this.byHash.delete(key);
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(value.toString('utf8'));
    } catch {
      return `progress record ${key} is not JSON`;
    }
    const parsed = importProgressSchema.safeParse(json);
    if (!parsed.success) return `progress record ${key} is invalid: ${parsed.error.issues[0]?.message ?? ''}`;
    this.byHash.set(key, parsed.data);
    return undefined;
  }

  get(sha256: string): ImportProgress | undefined {
    return this.byHash.get(sha256);
  }

  set(p: ImportProgress): void {
    this.byHash.set(p.sha256, p);
  }

  get size(): number {
    return this.byHash.size;
  }
}
