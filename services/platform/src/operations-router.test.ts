import express from 'express';
import { Registry } from 'prom-client';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { CassandraUnavailableError } from './cassandra';
import { KafkaUnavailableError } from './kafka';
import { errorKind, operationsRouter, readinessReason } from './operations-router';

class NoHostAvailableError extends Error {
  constructor() {
    super('All host(s) tried for query failed. First host tried, 127.0.0.1:9042: Error: connect ECONNREFUSED (/srv/app/node_modules/cassandra-driver/lib/connection.js:219)');
    this.name = 'NoHostAvailableError';
  }
}

describe('readiness reasons: short, no paths, no inner text', () => {
  it('a library error (or a wrapper of one) is "<Label> unreachable (<innermost class or code>)"', () => {
    expect(readinessReason({ name: 'cassandra' }, new CassandraUnavailableError(['127.0.0.1:9042'], new NoHostAvailableError()))).toBe(
      'Cassandra unreachable (NoHostAvailableError)',
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });
    expect(readinessReason({ name: 'kafka' }, new KafkaUnavailableError(['127.0.0.1:9092'], refused))).toBe('Kafka unreachable (ECONNREFUSED)');
    expect(readinessReason({ name: 'store', label: 'The store' }, 'a string')).toBe('The store unreachable (Error)');
  });

  it('a check\'s own plain Error keeps its first line, with paths cut out', () => {
    expect(readinessReason({ name: 'partitions' }, new Error('partition 0 has input waiting and has not committed for 31 s; last error: x'))).toBe(
      'partition 0 has input waiting and has not committed for 31 s; last error: x',
    );
    expect(readinessReason({ name: 'x' }, new Error("cannot open '/var/lib/mobilecs/state.json' (file:///srv/a/b.ts:3:1)\n    at f (/srv/a/b.ts:3:1)"))).toBe(
      "cannot open '<path>' (<path>)",
    );
  });

  it('errorKind: system codes, class names, never text', () => {
    expect(errorKind(Object.assign(new Error('EACCES: permission denied, open /x/y'), { code: 'EACCES' }))).toBe('EACCES');
    expect(errorKind(new NoHostAvailableError())).toBe('NoHostAvailableError');
    expect(errorKind({ name: 'has spaces /x/y' })).toBe('Error');
    expect(errorKind(undefined)).toBe('Error');
  });
});

describe('/health/ready', () => {
  it('503 with a code, a message and the reasons; a check that hangs is named with its timeout', async () => {
    const app = express();
    app.use(
      operationsRouter(
        new Registry(),
        [
          { name: 'cassandra', check: () => Promise.reject(new CassandraUnavailableError(['127.0.0.1:9042'], new NoHostAvailableError())) },
          { name: 'kafka', check: () => new Promise<void>(() => undefined) },
        ],
        50,
      ),
    );
    const res = await request(app).get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      status: 'DOWN',
      code: 'not-ready',
      message: 'not ready: cassandra: Cassandra unreachable (NoHostAvailableError); kafka: Kafka did not answer within 50 ms',
      checks: {
        cassandra: { status: 'DOWN', reason: 'Cassandra unreachable (NoHostAvailableError)' },
        kafka: { status: 'DOWN', reason: 'Kafka did not answer within 50 ms' },
      },
    });
    expect(res.text).not.toMatch(/node_modules|\/srv\/|All host/);
  });

  it('200 when every check passes', async () => {
    const app = express().use(operationsRouter(new Registry(), [{ name: 'kafka', check: async () => undefined }]));
    expect((await request(app).get('/health/ready')).body).toEqual({ status: 'UP', checks: { kafka: { status: 'UP' } } });
  });
});
