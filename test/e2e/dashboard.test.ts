// The dashboard in a real browser (Debian's Chromium driven by playwright-core), against
// the system as `npm start` starts it (on the test servers, with names no other run uses):
// the README's walkthrough clicked through the Generate page, then the subscriber's row,
// the alerts as they are committed, the January detail with its totals, records and
// chart; and with three ingester instances, every subscriber's usage visible through any
// of them. Screenshots go to test-results/dashboard/ (one of them is in the README).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/src/paths';
import { launchChromium } from '../support/browser';
import { processTree, survivors, type ProcessInfo } from '../support/process-tree';
import { Command, killLeftovers, npmStartEnvOnTestServers, sleep } from './npm-command';

const AGREEMENT = '0b12c601-9287-3f5c-a78c-df508fe0f889';
const MSISDN = '48917846822';
const screenshots = join(repoRoot, 'test-results', 'dashboard');

/** `count` consecutive free ports (npm start puts ingester i on MOBILECS_INGESTER_PORT + i). */
async function freePorts(count: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await free(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports`);
}

/** npm start on the test servers: its environment and where generator-backend and the ingesters listen. */
async function startSystem(ingesters: number, dirs: string[]): Promise<{ system: Command; backend: string; ingesterPorts: number[] }> {
  const backendPort = await freePorts(1);
  const importerPort = await freePorts(1);
  const ingesterBase = await freePorts(ingesters);
  const incoming = mkdtempSync(join(tmpdir(), 'mobilecs-dashboard-'));
  dirs.push(incoming);
  const { env } = npmStartEnvOnTestServers('dashboard', { backend: backendPort, importer: importerPort, ingester: ingesterBase }, incoming, { MOBILECS_INGESTER_INSTANCES: String(ingesters) });
  const system = new Command(['start'], env);
  await system.waitFor(/mobilecs is running/, 300_000);
  return { system, backend: `http://127.0.0.1:${backendPort}`, ingesterPorts: Array.from({ length: ingesters }, (_, i) => ingesterBase + i) };
}

async function stopSystem(system: Command, seen: ProcessInfo[]): Promise<void> {
  seen.push(...(system.child.pid ? processTree(system.child.pid) : []));
  process.kill(-(system.child.pid ?? 0), 'SIGINT');
  await Promise.race([system.exited, sleep(60_000)]);
}

const attr = async (page: Page, selector: string, name: string) => page.locator(selector).first().getAttribute(name);

describe('the dashboard in a real browser, against npm start', () => {
  let browser: Browser;
  let system: Command | undefined;
  const seen: ProcessInfo[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    browser = await launchChromium();
  });

  afterEach(async () => {
    if (system) await killLeftovers(seen, system);
    system = undefined;
  });

  afterAll(async () => {
    await browser?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('the walkthrough from the Generate page: the subscriber, the alerts as they are committed, January\'s records, totals and chart', { timeout: 600_000 }, async () => {
    const started = await startSystem(1, dirs);
    system = started.system;
    const { backend } = started;
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${backend}/`);

    // Generate: the original README's two calls, by buttons (empty fields: the server's defaults).
    await page.getByTestId('nav-generate').click();
    await page.getByTestId('generate-agreements').click();
    await page.getByTestId('generate-answer').filter({ hasText: AGREEMENT }).waitFor({ timeout: 60_000 });
    await page.getByTestId('generate-file').click();
    await page.getByTestId('generate-answer').filter({ hasText: `MSISDNs generated: ${MSISDN}` }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(screenshots, 'generate.png') });

    // Subscribers: the row appears by itself (the page asks again every 2 s) with its usage.
    await page.getByTestId('nav-subscribers').click();
    const row = page.locator(`[data-testid="subscriber-row"][data-agreement-id="${AGREEMENT}"]`);
    await row.waitFor({ timeout: 120_000 });
    expect(await row.getAttribute('data-msisdn')).toBe(MSISDN);
    // January closed at once (the file runs to 1 February): the row shows February, within plan.
    await page.locator(`[data-testid="subscriber-row"][data-agreement-id="${AGREEMENT}"][data-state="within-plan"]`).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(screenshots, 'subscribers.png') });

    // Alerts: both January messages, read_committed, from the stream.
    await page.getByTestId('nav-alerts').click();
    for (const type of ['DATA_PLAN_EXCEEDED', 'BILLING_PERIOD_CLOSED']) {
      await page.locator(`[data-testid="alert-item"][data-type="${type}"][data-agreement-id="${AGREEMENT}"]`).waitFor({ timeout: 60_000 });
    }
    expect(await page.locator('[data-testid="alert-item"]').count()).toBe(2);
    expect(await attr(page, '[data-testid="alerts-connection"]', 'data-state')).toBe('live');
    await page.screenshot({ path: join(screenshots, 'alerts.png') });

    // Detail of January: totals as the REST API gives them, every record, the chart with the plan line and the exceed point.
    await page.goto(`${backend}/#/subscribers/${AGREEMENT}/2020/1`);
    await page.getByTestId('total-B').waitFor({ timeout: 60_000 });
    expect(await attr(page, '[data-testid="total-B"]', 'data-value')).toBe('13559994361');
    const rest = await (await fetch(`${backend}/api/data-records/${AGREEMENT}/2020/1/total-data-used`)).text();
    for (const unit of ['KB', 'MB', 'GB']) {
      const value = await attr(page, `[data-testid="total-${unit}"]`, 'data-value');
      expect(rest, `total-${unit} = ${value}`).toContain(`${value} ${unit}`);
    }
    const records = (await (await fetch(`${backend}/api/data-records/${AGREEMENT}/2020/1`)).json()) as unknown[];
    expect(records).toHaveLength(30); // 2–31 January; 1 February is February's
    await page.locator('[data-testid="record-row"]').nth(records.length - 1).waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="record-row"]').count()).toBe(records.length);
    await page.locator('[data-testid="usage-chart"][data-plan-line="true"]').waitFor({ timeout: 30_000 });
    expect(await attr(page, '[data-testid="usage-chart"]', 'data-exceeded-at')).toBe('2020-01-10T23:00:00.000Z');
    await page.screenshot({ path: join(screenshots, 'detail.png'), fullPage: true });

    // Bad input: an unknown agreement says so, it does not spin.
    await page.goto(`${backend}/#/subscribers/00000000-0000-4000-8000-000000000000/2020/1`);
    await page.getByTestId('error-message').first().waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('error-message').first().textContent()).toMatch(/unknown|not known|no agreement/i);

    expect(errors).toEqual([]);
    await stopSystem(system, seen);
    system = undefined;
    expect(survivors(seen).map((p) => p.command)).toEqual([]);
  });

  it('three ingester instances: every subscriber\'s usage is visible through any instance, the page lists them all', { timeout: 600_000 }, async () => {
    const started = await startSystem(3, dirs);
    system = started.system;
    const { backend, ingesterPorts } = started;
    const get = async (url: string) => {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect((await fetch(`${backend}/api/agreements/generate?count=12`)).status).toBe(200);
    expect((await fetch(`${backend}/api/incoming-data-records/generate?count=12`)).status).toBe(200);

    // Every instance lists all twelve with usage (once the group is stable and the files are counted).
    const listed = new Map<number, { agreementId: string; state: string }[]>();
    const deadline = Date.now() + 180_000;
    for (const port of ingesterPorts) {
      for (;;) {
        const r = await get(`http://127.0.0.1:${port}/api/subscribers?limit=100&sort=msisdn&order=asc`).catch(() => undefined);
        const rows = (r?.body.rows ?? []) as { agreementId: string; state: string }[];
        if (r?.status === 200 && rows.length === 12 && rows.every((x) => x.state !== 'no-usage')) {
          listed.set(port, rows);
          break;
        }
        if (Date.now() > deadline) throw new Error(`instance :${port} did not list 12 subscribers with usage: ${JSON.stringify(r)}`);
        await sleep(1000);
      }
    }
    const ids = listed.get(ingesterPorts[0]!)!.map((x) => x.agreementId);
    for (const port of ingesterPorts) expect(listed.get(port)!.map((x) => x.agreementId)).toEqual(ids);

    // Each agreement's usage through each instance, with its owner named: all three own some.
    const owners = new Set<string>();
    for (const id of ids) {
      for (const port of ingesterPorts) {
        const r = await get(`http://127.0.0.1:${port}/api/usage/${id}`);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        owners.add((r.body.owner as { url: string }).url);
      }
    }
    expect(owners.size).toBe(3);

    // The page through generator-backend (which asks one instance) shows all twelve.
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${backend}/#/subscribers?limit=50`);
    const rows = page.locator('[data-testid="subscriber-row"]');
    await rows.nth(11).waitFor({ timeout: 60_000 });
    expect(await rows.count()).toBe(12);
    const shown = await Promise.all(Array.from({ length: 12 }, (_, i) => rows.nth(i).getAttribute('data-agreement-id')));
    expect([...shown].sort()).toEqual([...ids].sort());
    await page.screenshot({ path: join(screenshots, 'subscribers-three-instances.png') });

    await stopSystem(system, seen);
    system = undefined;
    expect(survivors(seen).map((p) => p.command)).toEqual([]);
  });
});
