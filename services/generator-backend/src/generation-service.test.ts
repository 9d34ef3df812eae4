// The sequences' life cycle over in-memory ports: stored before the output, restored by a
// new service (a restart, another replica), rolled back when the output fails, handed
// over when another replica takes them; one generation at a time; the line limit.
import type { Agreement } from '@mobilecs/domain';
import { describe, expect, it } from 'vitest';
import { DependencyError, FileConflictError, GenerationBusyError, TooManyLinesError } from './errors';
import { GenerationService } from './generation-service';
import type { DataRecordStore, IncomingFolder } from './ports';
import { MemorySequenceStore, SequencesTakenOverError, type SequenceStore } from './sequences';

const FIRST = '0b12c601-9287-3f5c-a78c-df508fe0f889';
const SECOND = '98519208-a495-3964-81c2-b693eeba892f';
const FIXTURE_FILE = 'idr_000_2020-01-02_1349856c-14bb-33a0-ae31-b3df49201961.csv';
const scopes = { agreements: 'agreements', files: '/data/incoming', dataRecords: 'mobilecs' };

interface World {
  events: string[];
  published: Agreement[][];
  files: Map<string, string[]>;
  failPublish: boolean;
  sequences: MemorySequenceStore;
}

function world(): World {
  return { events: [], published: [], files: new Map(), failPublish: false, sequences: new MemorySequenceStore() };
}

/** A store that records when it saved, to check the order against the outputs. */
function logged(w: World, inner: SequenceStore = w.sequences): SequenceStore {
  return {
    load: () => inner.load(),
    save: async (entries) => {
      await inner.save(entries);
      w.events.push(`save ${entries.map(([k]) => k).join(',')}`);
    },
    close: () => inner.close(),
  };
}

function service(w: World, opts: { sequences?: SequenceStore; maxLinesPerCall?: number; folder?: IncomingFolder } = {}) {
  const store: DataRecordStore = {
    find: async () => [],
    totalBytes: async () => 0n,
    upsert: async (records) => void w.events.push(`upsert ${records.length}`),
  };
  return new GenerationService({
    publisher: {
      publish: async (batch) => {
        if (w.failPublish) throw new Error('broker down');
        w.published.push([...batch]);
        w.events.push(`publish ${batch.map((a) => a.id).join(',')}`);
      },
    },
    folder: opts.folder ?? {
      writeFile: async (name, lines) => {
        const content = [...lines];
        const existing = w.files.get(name);
        if (existing && existing.join('\n') !== content.join('\n')) throw new FileConflictError(name);
        w.files.set(name, content);
        w.events.push(`file ${name}`);
        return existing ? 'unchanged' : 'written';
      },
    },
    store,
    sequences: opts.sequences ?? logged(w),
    scopes,
    ...(opts.maxLinesPerCall !== undefined ? { maxLinesPerCall: opts.maxLinesPerCall } : {}),
  });
}

describe('GenerationService sequences', () => {
  it('a restarted service (same store) continues: agreement 2, the February file, not the first ones again', async () => {
    const w = world();
    const first = service(w);
    await first.load();
    expect((await first.generateAgreements(1)).text).toContain(FIRST);
    expect((await first.generateFile(1, 1)).fileName).toBe(FIXTURE_FILE);

    const restarted = service(w);
    expect(await restarted.load()).toEqual({ restored: ['agreements', 'files'] });
    expect((await restarted.generateAgreements(1)).text).toContain(SECOND);
    const feb = await restarted.generateFile(1, 1);
    expect(feb.fileName).toMatch(/^idr_001_2020-02-02_/);
    expect(w.files.size).toBe(2);
  });

  it('stores the new state before the output becomes visible', async () => {
    const w = world();
    const s = service(w);
    await s.generateAgreements(1);
    await s.generateFile(1, 1);
    await s.generateDataRecords(1, 1);
    expect(w.events).toEqual([
      'save agreements|agreements',
      `publish ${FIRST}`,
      'save files|/data/incoming',
      `file ${FIXTURE_FILE}`,
      'save data-records|mobilecs',
      'upsert 31',
    ]);
  });

  it('a fresh store (another topic) starts from the beginning: the walkthrough fixtures', async () => {
    const w = world();
    const s = service(w);
    expect(await s.load()).toEqual({ restored: [] });
    expect((await s.generateAgreements(1)).text).toContain(FIRST);
    expect((await s.generateFile(1, 1)).fileName).toBe(FIXTURE_FILE);
  });

  it('each destination has its own sequence: another agreements topic starts at agreement 1', async () => {
    const w = world();
    await service(w).generateAgreements(1);
    const other = new GenerationService({
      publisher: { publish: async () => undefined },
      folder: { writeFile: async () => 'written' },
      store: { find: async () => [], totalBytes: async () => 0n, upsert: async () => undefined },
      sequences: w.sequences,
      scopes: { ...scopes, agreements: 'agreements-2' },
    });
    expect((await other.generateAgreements(1)).text).toContain(FIRST);
    expect([...w.sequences.values.keys()].sort()).toEqual(['agreements|agreements', 'agreements|agreements-2']);
  });

  it('a failed output stores the previous state back: the retry (here or after a restart) gives the same data', async () => {
    const w = world();
    const s = service(w);
    w.failPublish = true;
    await expect(s.generateAgreements(1)).rejects.toThrow('broker down');
    expect(JSON.parse(w.sequences.values.get('agreements|agreements') ?? '{}')).toMatchObject({ generated: 0 });
    w.failPublish = false;
    const restarted = service(w);
    await restarted.load();
    expect((await restarted.generateAgreements(1)).text).toContain(FIRST);
    expect((await s.generateAgreements(1)).text).toContain(FIRST); // the first process too, same data
  });

  it('a file conflict changes no sequence', async () => {
    const w = world();
    w.files.set(FIXTURE_FILE, ['something else']);
    const s = service(w);
    await expect(s.generateFile(1, 1)).rejects.toBeInstanceOf(FileConflictError);
    w.files.clear();
    expect((await s.generateFile(1, 1)).fileName).toBe(FIXTURE_FILE);
  });

  it('when the sequences cannot be stored, nothing is generated or written (503 via DependencyError)', async () => {
    const w = world();
    const failing: SequenceStore = { ...w.sequences, load: () => w.sequences.load(), save: () => Promise.reject(new Error('not enough replicas')), close: async () => undefined };
    const s = service(w, { sequences: failing });
    const err = await s.generateAgreements(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect((err as Error).message).toBe('Kafka (generator sequences) unavailable (Error)');
    expect(w.published).toEqual([]);
  });

  it('another replica took over: loads its state and continues from it (never the same agreement twice)', async () => {
    const w = world();
    // Two replicas on one store; whoever loaded last is the writer (as Kafka's fencing makes it).
    let writer: 'a' | 'b' | undefined;
    const replicaStore = (name: 'a' | 'b'): SequenceStore => ({
      load: async () => {
        writer = name;
        return w.sequences.load();
      },
      save: async (entries) => {
        if (writer !== name) throw new SequencesTakenOverError();
        await w.sequences.save(entries);
      },
      close: async () => undefined,
    });
    const a = service(w, { sequences: replicaStore('a') });
    const b = service(w, { sequences: replicaStore('b') });
    await a.load();
    await b.load();
    expect((await b.generateAgreements(1)).text).toContain(FIRST);
    // a still holds the state from before b's call; its save is refused, it loads and continues
    expect((await a.generateAgreements(1)).text).toContain(SECOND);
    expect((await b.generateAgreements(1)).text).toContain('32022ad0-d0e0-3145-8112-8c5e4f15caec');
    expect(w.published.flat().map((x) => x.id)).toEqual([FIRST, SECOND, '32022ad0-d0e0-3145-8112-8c5e4f15caec']);
  });

  it('an unreadable stored record stops the load instead of starting again from 0', async () => {
    const w = world();
    await w.sequences.save([['agreements|agreements', '{"v":99}']]);
    await expect(service(w).load()).rejects.toThrow(/cannot be read .*refusing to start from the beginning/);
  });
});

describe('GenerationService limits', () => {
  it('one generation at a time: a concurrent call is refused with GenerationBusyError, the next one runs', async () => {
    const w = world();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowFolder: IncomingFolder = {
      writeFile: async (name, lines) => {
        expect([...lines]).toHaveLength(31);
        await gate;
        w.files.set(name, []);
        return 'written';
      },
    };
    const s = service(w, { folder: slowFolder });
    const first = s.generateFile(1, 1);
    await new Promise((r) => setTimeout(r, 10));
    expect(s.busy).toBe(true);
    const second = await s.generateAgreements(1).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(GenerationBusyError);
    expect((second as GenerationBusyError).retryAfterSeconds).toBe(1);
    release();
    await first;
    expect(s.busy).toBe(false);
    expect((await s.generateAgreements(1)).text).toContain(FIRST);
  });

  it('the line limit counts the lines the call would really write (count × days), before generating or storing', async () => {
    const w = world();
    const s = service(w, { maxLinesPerCall: 1000 });
    // 40 msisdns × 31 days (2 January – 1 February) = 1240 lines
    const err = await s.generateFile(40, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TooManyLinesError);
    expect((err as Error).message).toBe(
      'this call would produce 1240 lines (count=40 msisdns × 31 days in months=1); the limit is 1000 lines per call: ask for fewer (count, months) or raise GENERATOR_MAX_LINES_PER_CALL',
    );
    expect(w.events).toEqual([]);
    // 32 × 31 = 992 fits
    expect((await s.generateFile(32, 1)).produced).toBe(992);
    // count 1: 31 + 29 + 31 + … days; 33 months ≈ 1004 lines: refused, 32 months fit
    await expect(s.generateFile(1, 33)).rejects.toBeInstanceOf(TooManyLinesError);
    await expect(s.generateDataRecords(2, 17)).rejects.toThrow(/would produce 10\d\d lines \(count=2 agreements × months=17/);
    await expect(s.generateAgreements(1001)).rejects.toBeInstanceOf(TooManyLinesError);
  });
});
