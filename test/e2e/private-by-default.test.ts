// Private by default (issue 13): every service listens on loopback unless told
// otherwise; generator-backend, whose endpoints write data, refuses to listen beyond
// loopback without an API token, and with one answers 401 to writes that lack it.
// Listening addresses are read from /proc/net/tcp*, so no traffic leaves loopback.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serverEnv, uniqueName, uniqueTopicNames } from '../support/servers';
import { ServiceProcess } from '../support/service-process';

const TOKEN = 'test-token-0123456789abcdef';

/** Local addresses of the sockets listening on `port` (IPv4 dotted, IPv6 as "::" or "::1"). */
function listeningAddresses(port: number): string[] {
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue; // 0A = LISTEN
      const [hex, portHex] = local.split(':') as [string, string];
      if (parseInt(portHex, 16) !== port) continue;
      if (hex.length === 8) out.push([0, 1, 2, 3].map((i) => parseInt(hex.slice(6 - 2 * i, 8 - 2 * i), 16)).join('.'));
      else out.push(/^0+$/.test(hex) ? '::' : hex === '00000000000000000000000001000000' ? '::1' : hex);
    }
  }
  return out;
}

function environment(dir: string): Record<string, string> {
  const t = uniqueTopicNames('priv');
  return {
    ...serverEnv(),
    HTTP_PORT: '0',
    TOPIC_PARTITIONS: '1',
    TOPIC_AGREEMENTS: t.agreements,
    TOPIC_INCOMING_DATA_RECORDS: t.incomingDataRecords,
    TOPIC_DATA_RECORDS_AGGREGATES: t.dataRecordsAggregates,
    TOPIC_DEAD_LETTERS: t.deadLetters,
    TOPIC_DATA_RECORDS_LATE: t.dataRecordsLate,
    CASSANDRA_KEYSPACE: uniqueName('priv'),
    INCOMING_DATA_RECORDS_DIR: join(dir, 'incoming'),
    INGESTER_GROUP_ID: uniqueName('priv'),
    INGESTER_TRANSACTIONAL_ID_PREFIX: uniqueName('priv'),
    TOPIC_INGESTER_CHANGELOG: uniqueName('priv_changelog'),
    IMPORTER_TRANSACTIONAL_ID: uniqueName('priv'),
    TOPIC_IMPORTER_PROGRESS: uniqueName('priv_progress'),
  };
}

const portOf = (line: string): number => Number(/"port":(\d+)/.exec(line)?.[1]);

describe('private by default (real services)', () => {
  const processes: ServiceProcess[] = [];
  let dir = '';
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.kill('SIGKILL')));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('each service listens on 127.0.0.1 only, unless told otherwise', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mobilecs-private-'));
    const env = environment(dir);
    const services = [
      { p: new ServiceProcess('generator-backend', 'services/generator-backend/src/main.ts', env), ready: /generator-backend listening/ },
      { p: new ServiceProcess('importer', 'services/importer/src/main.ts', env), ready: /importer starting/ },
      { p: new ServiceProcess('ingester', 'services/ingester/src/main.ts', env), ready: /"msg":"ingester ready"/ },
    ];
    processes.push(...services.map((s) => s.p));
    for (const s of services) {
      const port = portOf(await s.p.waitForLog(s.ready, 120_000));
      expect(port, s.p.name).toBeGreaterThan(0);
      // The start line can come a moment before the socket is in /proc/net/tcp: wait for it.
      let addresses = listeningAddresses(port);
      for (let i = 0; i < 50 && addresses.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        addresses = listeningAddresses(port);
      }
      expect(addresses, s.p.name).toEqual(['127.0.0.1']);
    }
  });

  it('generator-backend bound beyond loopback refuses to start without an API token, naming both settings', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mobilecs-private-'));
    const p = new ServiceProcess('generator-backend', 'services/generator-backend/src/main.ts', { ...environment(dir), HTTP_BIND_ADDRESS: '0.0.0.0' });
    processes.push(p);
    expect(await p.waitForExit()).toBe(2);
    expect(p.tail()).toMatch(/HTTP_BIND_ADDRESS=0\.0\.0\.0 .*API_TOKEN/);
  });

  it('with a token, writes without it get 401 and reads stay open', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mobilecs-private-'));
    const p = new ServiceProcess('generator-backend', 'services/generator-backend/src/main.ts', { ...environment(dir), HTTP_BIND_ADDRESS: '0.0.0.0', API_TOKEN: TOKEN });
    processes.push(p);
    const port = portOf(await p.waitForLog(/generator-backend listening/, 120_000));
    expect(listeningAddresses(port)).toEqual(['0.0.0.0']);
    const url = `http://127.0.0.1:${port}`;
    const denied = await fetch(`${url}/api/agreements/generate`);
    expect(denied.status).toBe(401);
    // The 401 is an error answer like the others: code, message and the request id it names in X-Request-Id.
    const deniedId = denied.headers.get('x-request-id');
    expect(deniedId).toMatch(/^[\w.:-]+$/);
    expect(await denied.json()).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('API_TOKEN') as unknown, requestId: deniedId });
    const graphql = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'caller-id-1' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(graphql.status).toBe(401);
    expect(await graphql.json()).toMatchObject({ code: 'unauthorized', requestId: 'caller-id-1' });
    // The log has the refusal under that id (never the token).
    expect(p.lines.some((l) => l.includes(`"requestId":"${deniedId}"`) && l.includes('no valid API token') && !l.includes(TOKEN))).toBe(true);
    expect((await fetch(`${url}/api/agreements/generate`, { headers: { Authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const allowed = await fetch(`${url}/api/agreements/generate`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('Total number of generated agreements: 1');
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });
});
