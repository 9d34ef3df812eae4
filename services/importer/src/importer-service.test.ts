// The importer's shell (folder watching, queue, restore, retries, fencing) over the
// in-memory Kafka of @mobilecs/platform/testing: the paths that test/importer/ reaches
// only by killing processes, here in milliseconds. The real transactions are tested there.
import { mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ProducerFencedError } from '@mobilecs/platform';
import { FakeKafka } from '@mobilecs/platform/testing';
import { importerEnvSchema, type ImporterConfig } from './config';
import { importerMetrics } from './importer-metrics';
import { ImporterService } from './importer-service';
import type { ImporterPorts } from './ports';

const NOW = new Date('2024-06-01T12:00:00Z');
const line = (n: number, at = '2020-01-02T00:00+01:00[Europe/Warsaw]') => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')};${at};48600000001;${1000 + n}`;
const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${line(from + i)}\n`).join('');

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const running: ImporterService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop().catch(() => undefined)));
});

/** A folder, a fake Kafka, and importer processes started on them one after another. */
class World {
  readonly dir = mkdtempSync(join(tmpdir(), 'importer-service-'));
  readonly kafka = new FakeKafka();
  readonly logs: LogLine[] = [];
  readonly fatal: unknown[] = [];
  readonly config: ImporterConfig;

  constructor(env: Record<string, string> = {}) {
    this.config = importerEnvSchema.parse({
      KAFKA_BROKERS: 'fake:9092',
      INCOMING_DATA_RECORDS_DIR: this.dir,
      IMPORTER_STABILITY_MS: '0',
      TOPIC_INCOMING_DATA_RECORDS: 'records',
      TOPIC_DEAD_LETTERS: 'dead',
      TOPIC_IMPORTER_PROGRESS: 'progress',
      ...env,
    });
    this.kafka.createTopic('records', 3);
    this.kafka.createTopic('dead', 1);
    this.kafka.createTopic('progress', 1);
  }

  ports(): ImporterPorts {
    return {
      connectProducer: (id) => Promise.resolve(this.kafka.initProducer(id)),
      restoreChangelog: (producer, topic, onRecord) => this.kafka.restoreChangelog(producer, topic, onRecord),
    };
  }

  async start(): Promise<ImporterService> {
    const logs = this.logs;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString('utf8').split('\n')) if (l) logs.push(JSON.parse(l) as LogLine);
        done();
      },
    });
    const service = new ImporterService(this.config, this.ports(), importerMetrics(new Registry()), pino({ level: 'debug' }, sink), (err) => this.fatal.push(err), () => NOW, 10);
    running.push(service);
    await service.start();
    return service;
  }

  /** Written aside and renamed into place, as the generator does: seen complete. */
  write(name: string, text: string): void {
    const tmp = join(this.dir, `.${name}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(this.dir, name));
  }

  records(file?: string): { file: string; line: number }[] {
    return this.kafka
      .read('records')
      .map((m) => JSON.parse(m.value!.toString()) as { source: { file: string; line: number } })
      .map((r) => r.source)
      .filter((s) => file === undefined || s.file === file)
      .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  }

  deadLetters(): Record<string, unknown>[] {
    return this.kafka.read('dead').map((m) => JSON.parse(m.value!.toString()) as Record<string, unknown>);
  }

  /** Waits (a few seconds at most: this is a wait for the watcher, not a timing assertion) until `done` holds. */
  async until(what: string, done: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

const linesOf = (file: string, n: number) => Array.from({ length: n }, (_, i) => ({ file, line: i + 1 }));

describe('ImporterService over a fake Kafka', () => {
  it('imports a file once; a restart with the file still there restores its progress and publishes nothing again', async () => {
    const w = new World();
    w.write('a.csv', lines(1, 5));
    const first = await w.start();
    await w.until('a.csv imported', () => w.records().length === 5);
    await first.stop();
    await w.start();
    // b.csv arrives after a.csv was looked at again (files are taken in arrival order).
    w.write('b.csv', lines(6, 7));
    await w.until('b.csv imported', () => w.records('b.csv').length === 2);
    expect(w.records()).toEqual([...linesOf('a.csv', 5), ...linesOf('b.csv', 2)]);
    expect(w.logs.find((l) => l.msg === 'import progress restored' && l.files === 1)).toBeDefined();
  });

  it('a transaction that fails is tried again from the last commit: every line once, none lost', async () => {
    const w = new World({ IMPORTER_TRANSACTION_LINES: '2' });
    await w.start();
    w.kafka.failNextTransaction(new Error('the broker went away'), { on: 'commit' });
    w.write('a.csv', lines(1, 5));
    await w.until('a.csv imported', () => w.records().length === 5);
    expect(w.records()).toEqual(linesOf('a.csv', 5));
    expect(w.logs.some((l) => l.msg === 'importing a.csv failed; retrying' && l.file === 'a.csv')).toBe(true);
    expect(w.fatal).toEqual([]);
  });

  it('fenced by a newer importer with the same transactional id: stops with ProducerFencedError and publishes nothing more', async () => {
    const w = new World();
    const old = await w.start();
    w.kafka.initProducer(w.config.IMPORTER_TRANSACTIONAL_ID); // another importer took over
    w.write('a.csv', lines(1, 3));
    await w.until('the fatal report', () => w.fatal.length > 0);
    expect(w.fatal[0]).toBeInstanceOf(ProducerFencedError);
    expect(old.state).toBe('failed');
    expect(w.records()).toEqual([]);
  });

  it('a file it cannot read is a dead letter and the queue goes on to the next file', async () => {
    const w = new World();
    // Write-only even for root: reading it fails with EACCES.
    symlinkSync('/proc/sys/vm/drop_caches', join(w.dir, 'a-unreadable.csv'));
    w.write('b.csv', lines(1, 2));
    await w.start();
    await w.until('b.csv imported', () => w.records('b.csv').length === 2);
    const letter = w.deadLetters().find((d) => d.reason === 'file-unreadable');
    expect(letter).toMatchObject({ source: { file: 'a-unreadable.csv' }, errorCode: 'EACCES', rejectedAt: NOW.toISOString() });
  });

  it('restoring progress with entries it cannot use: each logged with its key and reason, the good ones restored', async () => {
    const w = new World();
    w.write('a.csv', lines(1, 3));
    const first = await w.start();
    await w.until('a.csv imported', () => w.records().length === 3);
    await first.stop();
    w.kafka.produce([
      { topic: 'progress', key: 'not-a-progress-key', value: '{}' },
      { topic: 'progress', key: 'file:c.csv', value: 'not json' },
    ]);
    await w.start();
    w.write('b.csv', lines(4, 4));
    await w.until('b.csv imported', () => w.records('b.csv').length === 1);
    expect(w.records('a.csv')).toHaveLength(3); // its progress was restored despite the bad entries
    const warnings = w.logs.filter((l) => l.level === 40 && typeof l.reason === 'string');
    expect(warnings.map((l) => [l.key, l.reason])).toEqual([
      ['not-a-progress-key', 'progress record with unknown key "not-a-progress-key"'],
      ['file:c.csv', 'progress record file:c.csv is not JSON'],
    ]);
  });

  it('the injected clock decides what is in the future', async () => {
    const w = new World({ EVENT_TIME_FUTURE_TOLERANCE_MS: '3600000' });
    await w.start();
    // An hour and a minute after the importer's "now": beyond the tolerance.
    w.write('a.csv', `${line(1)}\n${line(2, '2024-06-01T13:01:00Z')}\n`);
    await w.until('a.csv imported', () => w.records().length + w.deadLetters().length === 2);
    expect(w.records()).toEqual([{ file: 'a.csv', line: 1 }]);
    expect(w.deadLetters()).toMatchObject([{ reason: 'recorded-at-in-future', source: { file: 'a.csv', line: 2 } }]);
  });

  it('stopped in the middle of a file: what was committed stays, a restart continues at the next line', async () => {
    const w = new World({ IMPORTER_TRANSACTION_LINES: '1' });
    w.write('a.csv', lines(1, 400));
    const first = await w.start();
    await w.until('the first lines', () => w.records().length >= 3);
    await first.stop();
    const before = w.records().length;
    await w.start();
    await w.until('a.csv imported', () => w.records().length === 400);
    expect(w.records()).toEqual(linesOf('a.csv', 400));
    expect(before).toBeGreaterThanOrEqual(3);
  });
});
