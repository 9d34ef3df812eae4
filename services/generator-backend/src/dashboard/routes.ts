// The dashboard's API (docs/generator-backend.md "Dashboard API") and the built dashboard
// itself at /. Live usage comes from the ingester (one address, any instance answers for
// all), alerts from the AlertLog the Kafka feed fills, records from Cassandra.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { parseExact, stringifyExact, uuidSchema } from '@mobilecs/domain';
import { BillingPeriod } from '@mobilecs/windowing';
import type { IngesterAnswer, IngesterClient } from '../adapters/ingester-client';
import { parsePeriod, totalDataUsedText } from '../data-records';
import { BadRequestError, UpstreamError } from '../errors';
import type { DataRecordStore } from '../ports';
import { BadCursorError, advance, formatCursor, parseCursor, type Alert, type AlertCursor, type AlertLog } from './alert-log';
import { usageCurve } from './usage-curve';

export interface DashboardDeps {
  ingester: IngesterClient;
  alerts: AlertLog;
  store: DataRecordStore;
  /** The built dashboard (web/dashboard/dist). */
  dashboardDir: string;
  /** Open alert streams at most; one more is a 503. */
  maxStreams: number;
  /** Comment line sent on idle streams so proxies keep them open. */
  heartbeatMs?: number;
}

const route = (h: (req: Request, res: Response) => Promise<void>): RequestHandler => (req, res) => h(req, res);

const json = (res: Response, body: unknown, status = 200) => res.status(status).type('application/json').send(stringifyExact(body));

/** The query parameters of /api/subscribers, checked here before the ingester is asked. */
export function subscriberQuery(query: Request['query']): URLSearchParams {
  const out = new URLSearchParams();
  const one = (name: string): string | undefined => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new BadRequestError(`query parameter ${name} must be given once, as text`);
    return v;
  };
  const q = one('q');
  if (q !== undefined) {
    if (q.length > 64) throw new BadRequestError(`q is ${q.length} characters long: at most 64 (a prefix of an msisdn or an agreement id)`);
    if (q !== '') out.set('q', q);
  }
  const sort = one('sort');
  if (sort !== undefined) {
    if (!['percent', 'msisdn', 'usage'].includes(sort)) throw new BadRequestError(`sort=${JSON.stringify(sort)}: expected percent, msisdn or usage`);
    out.set('sort', sort);
  }
  const order = one('order');
  if (order !== undefined) {
    if (order !== 'asc' && order !== 'desc') throw new BadRequestError(`order=${JSON.stringify(order)}: expected asc or desc`);
    out.set('order', order);
  }
  for (const [name, min, max] of [
    ['offset', 0, 1_000_000_000],
    ['limit', 1, 500],
  ] as const) {
    const v = one(name);
    if (v === undefined) continue;
    if (!/^\d{1,10}$/.test(v) || Number(v) < min || Number(v) > max) throw new BadRequestError(`${name}=${JSON.stringify(v)}: expected an integer from ${min} to ${max}`);
    out.set(name, v);
  }
  return out;
}

function agreementIdOf(value: unknown): string {
  const r = uuidSchema.safeParse(value);
  if (!r.success) throw new BadRequestError(`agreementId ${JSON.stringify(value)} is not a UUID`);
  return r.data;
}

/** An ingester answer that is not a 200: passed on with its status, code and message. */
function upstreamError(a: IngesterAnswer): UpstreamError {
  let code = 'ingester-error';
  let message = `the ingester answered ${a.status}`;
  try {
    const body = JSON.parse(a.body) as { code?: unknown; message?: unknown };
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // not JSON: the status says enough
  }
  return new UpstreamError(a.status >= 400 && a.status < 600 ? a.status : 502, code, message, a.retryAfter);
}

/** The agreement as the ingester knows it (plan and zone for the detail page). */
interface AgreementInfo {
  agreementId: string;
  msisdn: string;
  maxBytesInBillingPeriod: bigint;
  billingPeriodTimeZone: string;
}

async function agreementInfo(ingester: IngesterClient, agreementId: string): Promise<AgreementInfo> {
  const a = await ingester.get(`/api/usage/${encodeURIComponent(agreementId)}`);
  if (a.status !== 200) throw upstreamError(a);
  const body = parseExact(a.body) as Record<string, unknown>;
  const max = body.maxBytesInBillingPeriod;
  if (typeof body.msisdn !== 'string' || typeof body.billingPeriodTimeZone !== 'string' || (typeof max !== 'number' && typeof max !== 'bigint')) {
    throw new UpstreamError(502, 'ingester-error', `the ingester's answer for ${agreementId} lacks msisdn, plan or zone`, null);
  }
  return { agreementId, msisdn: body.msisdn, maxBytesInBillingPeriod: BigInt(max), billingPeriodTimeZone: body.billingPeriodTimeZone };
}

function wireAlert(a: Alert) {
  return { id: a.id, partition: a.partition, offset: a.offset, receivedAt: a.receivedAt, message: a.message };
}

/** The routes, and a way to end the open alert streams (a graceful stop waits for open connections). */
export function dashboardRouter(deps: DashboardDeps): { router: Router; closeStreams: () => void } {
  const router = express.Router();
  const streams = new Set<Response>();

  const forward = (pathAndQuery: string) => async (res: Response) => {
    const a = await deps.ingester.get(pathAndQuery);
    if (a.status !== 200) throw upstreamError(a);
    res.status(200).type(a.contentType).send(a.body);
  };

  router.get(
    '/api/subscribers',
    route(async (req, res) => {
      const query = subscriberQuery(req.query).toString();
      await forward(`/api/subscribers${query ? `?${query}` : ''}`)(res);
    }),
  );

  router.get(
    '/api/usage/:agreementId',
    route(async (req, res) => {
      await forward(`/api/usage/${encodeURIComponent(agreementIdOf(req.params.agreementId))}`)(res);
    }),
  );

  router.get(
    '/api/subscribers/:agreementId/periods/:year/:month',
    route(async (req, res) => {
      const id = agreementIdOf(req.params.agreementId);
      const { year, month } = parsePeriod(req.params.year, req.params.month);
      const agreement = await agreementInfo(deps.ingester, id);
      const period = BillingPeriod.of(agreement.billingPeriodTimeZone, year, month);
      const records = await deps.store.find(id, year, month);
      const curve = usageCurve(records, agreement.maxBytesInBillingPeriod);
      const total = totalDataUsedText(curve.totalBytes)
        .split('\n')
        .map((l) => l.split(' ') as [string, string]);
      json(res, {
        ...agreement,
        period: { year, month, start: new Date(period.startMs).toISOString(), end: new Date(period.endMs).toISOString() },
        total: Object.fromEntries(total.map(([n, unit]) => [unit, BigInt(n)])),
        records: curve.records,
        exceededAt: curve.exceededAt === null ? null : new Date(curve.exceededAt).toISOString(),
        curve: curve.points.map((p) => ({ at: new Date(p.at).toISOString(), cumulativeBytes: p.cumulativeBytes })),
      });
    }),
  );

  router.get('/api/alerts', (req, res) => {
    const raw = req.query.limit;
    let limit = 100;
    if (raw !== undefined) {
      if (typeof raw !== 'string' || !/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) throw new BadRequestError(`limit=${JSON.stringify(raw)}: expected an integer from 1 to 1000`);
      limit = Number(raw);
    }
    json(res, { alerts: deps.alerts.newest(limit).map(wireAlert) });
  });

  router.get('/api/alerts/stream', (req, res) => {
    const given = req.get('last-event-id') ?? (typeof req.query.after === 'string' ? req.query.after : undefined);
    let cursor: AlertCursor;
    try {
      cursor = given ? parseCursor(given) : deps.alerts.headCursor();
    } catch (err) {
      if (err instanceof BadCursorError) throw new BadRequestError(err.message);
      throw err;
    }
    if (streams.size >= deps.maxStreams) {
      res.set('Retry-After', '5');
      throw new UpstreamError(503, 'too-many-streams', `${streams.size} alert streams are open, the most this backend serves (DASHBOARD_MAX_ALERT_STREAMS); retry later`, '5');
    }
    res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    streams.add(res);
    // Reconnect after 2 s; then what it had not seen, then each alert as it is read.
    res.write('retry: 2000\n\n');
    const send = (a: Alert) => {
      cursor = advance(cursor, a);
      res.write(`event: alert\nid: ${formatCursor(cursor)}\ndata: ${stringifyExact(wireAlert(a))}\n\n`);
    };
    for (const a of deps.alerts.after(cursor)) send(a);
    const unsubscribe = deps.alerts.subscribe(send);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), deps.heartbeatMs ?? 15_000);
    const close = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', close);
    res.on('close', close);
  });

  // ---- the built dashboard ----
  const index = join(deps.dashboardDir, 'index.html');
  const assets = express.static(deps.dashboardDir, {
    index: false,
    setHeaders: (res, path) => {
      // Vite names its assets by content hash: they never change under a name.
      res.set('Cache-Control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const isPage = (req: Request) => (req.method === 'GET' || req.method === 'HEAD') && !/^\/(api|health|metrics|graphql|graphiql)(\/|$)/.test(req.path);
  router.use((req, res, next) => (isPage(req) ? assets(req, res, next) : next()));
  router.use((req, res, next) => {
    if (!isPage(req)) return next();
    // A file that is not there (a missing asset) is a 404; any other path is a page of the app.
    if (/\.[a-z0-9]{1,8}$/i.test(req.path)) return next();
    if (!existsSync(index)) {
      res
        .status(503)
        .type('text/html')
        .send(
          '<!doctype html><title>mobilecs dashboard not built</title><h1>The dashboard is not built</h1>' +
            `<p>Build it with <code>npm run build -w web/dashboard</code> (npm start does this by itself), or point DASHBOARD_DIR at a built one. The API answers meanwhile under /api.</p>`,
        );
      return;
    }
    res.set('Cache-Control', 'no-cache');
    res.sendFile(index);
  });

  return {
    router,
    closeStreams: () => {
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}

/** The records route's paging: `limit` (1–500) and `pageState` from the query, or undefined for the whole period. */
export function recordPaging(query: Request['query']): { limit: number; pageState?: string } | undefined {
  const { limit, pageState } = query;
  if (limit === undefined) {
    if (pageState !== undefined) throw new BadRequestError('pageState needs limit (the page size, 1 to 500)');
    return undefined;
  }
  if (typeof limit !== 'string' || !/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > 500) throw new BadRequestError(`limit=${JSON.stringify(limit)}: expected an integer from 1 to 500`);
  if (pageState !== undefined && typeof pageState !== 'string') throw new BadRequestError('pageState must be given once');
  return { limit: Number(limit), ...(pageState ? { pageState } : {}) };
}

