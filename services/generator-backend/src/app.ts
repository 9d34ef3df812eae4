// The HTTP layer: every endpoint of system spec §8, built from injected dependencies.
import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { pinoHttp } from 'pino-http';
import { Counter, Histogram, type Registry } from 'prom-client';
import { ruruHTML } from 'ruru/server';
import { serveStatic } from 'ruru/static';
import { stringifyExact } from '@mobilecs/domain';
import { operationsRouter, type Logger, type ReadinessCheck } from '@mobilecs/platform';
import { InvalidPageStateError } from '@mobilecs/platform';
import { DataRecordsService, parseAgreementId, parseJsonBody, parsePeriod, toView } from './data-records';
import { dashboardRouter, recordPaging, type DashboardDeps } from './dashboard/routes';
import { BadRequestError, DependencyError, GenerationBusyError, UpstreamError, isPublicError } from './errors';
import { GenerationService } from './generation-service';
import { graphqlRouter, type GraphqlLimits } from './graphql/handler';
import { createSchema } from './graphql/schema';
import type { AgreementPublisher, DataRecordPages, DataRecordStore, IncomingFolder } from './ports';
import type { SequenceScopes, SequenceStore } from './sequences';

export interface GenerationLimits {
  /** Default count (agreements; msisdns per file; agreements per direct call): the original's batch size, 1. */
  defaultCount: number;
  /** Default months per file and per agreement of the direct generator: 1. */
  defaultMonths: number;
  maxCount: number;
  maxMonths: number;
  /** Most lines (agreements, file lines, data records) one generate call may produce: GENERATOR_MAX_LINES_PER_CALL. */
  maxLinesPerCall: number;
}

export interface GraphqlSettings {
  /** GraphiQL page and introspection queries: GENERATOR_GRAPHIQL (off unless asked for). */
  graphiql: boolean;
  limits: GraphqlLimits;
}

/** Armor's defaults where they fit this schema (its deepest query is 3 levels, a root field costs ~18). */
export const DEFAULT_GRAPHQL_LIMITS: GraphqlLimits = { maxAliases: 15, maxDepth: 6, maxCost: 1000, maxTokens: 1000 };

export interface AppDeps {
  publisher: AgreementPublisher;
  folder: IncomingFolder;
  store: DataRecordStore;
  logger: Logger;
  registry: Registry;
  readinessChecks: ReadinessCheck[];
  limits: GenerationLimits;
  /** Where the generators' sequences are kept (Kafka in production); default: in memory. */
  sequences?: SequenceStore;
  /** The destinations the sequences belong to (agreements topic, incoming folder, keyspace). */
  scopes?: SequenceScopes;
  /** Default: GraphiQL and introspection off, DEFAULT_GRAPHQL_LIMITS. */
  graphql?: Partial<GraphqlSettings>;
  /** Zone of the billing period of records upserted through the API. */
  billingPeriodTimeZone: string;
  /** Wall clock, only for error bodies' timestamps. */
  clock: () => number;
  /** The dashboard (live usage, alerts, its static files); absent: those routes are not there. */
  dashboard?: Omit<DashboardDeps, 'store'>;
  /** Records a page at a time (?limit=&pageState= on the records route); absent: no paging. */
  pages?: DataRecordPages;
}

export interface App {
  app: express.Express;
  generation: GenerationService;
  /** Ends the open alert streams (before a graceful stop). */
  closeStreams: () => void;
}

const GRAPHIQL_STATIC = '/graphiql/static/';

function queryInt(req: Request, name: string, def: number, max: number): number {
  const raw = req.query[name];
  if (raw === undefined) return def;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new BadRequestError(`query parameter ${name}=${JSON.stringify(raw)} must be an integer from 1 to ${max}`);
  }
  return Number(raw);
}

function text(res: Response, body: string, status = 200): void {
  res.status(status).type('text/plain; charset=utf-8').send(body);
}

function json(res: Response, body: unknown, status = 200): void {
  res.status(status).type('application/json').send(stringifyExact(body));
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when it is a plain token, else a
 * fresh UUID), sends it back as X-Request-Id, and leaves it in req.id where pino-http
 * logs it: an error answer names it, the log line with the details carries it.
 */
export function requestIds(): RequestHandler {
  return (req, res, next) => {
    const r = req as { id?: unknown };
    if (r.id === undefined) {
      const given = req.get('x-request-id');
      r.id = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
    }
    res.set('X-Request-Id', String(r.id));
    next();
  };
}

/** Express 5 forwards rejected promises to the error handler. */
const route = (h: (req: Request, res: Response) => Promise<void>): RequestHandler => (req, res) => h(req, res);

export function createApp(deps: AppDeps): App {
  const { limits } = deps;
  const graphqlSettings: GraphqlSettings = { graphiql: false, limits: DEFAULT_GRAPHQL_LIMITS, ...deps.graphql };
  const generation = new GenerationService({
    ...deps,
    maxLinesPerCall: limits.maxLinesPerCall,
    retryAfterSeconds: 1,
  });
  const dataRecords = new DataRecordsService(deps.store, deps.billingPeriodTimeZone);

  const generated = new Counter({
    name: 'mobilecs_generator_generated_total',
    help: 'Items generated, by kind (agreement, file, file_line, data_record)',
    labelNames: ['kind'] as const,
    registers: [deps.registry],
  });
  const httpDuration = new Histogram({
    name: 'mobilecs_generator_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.02, 0.1, 0.5, 2, 10, 60],
    registers: [deps.registry],
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(requestIds());
  app.use(pinoHttp({ logger: deps.logger, autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false } }));
  app.use((req, res, next) => {
    const end = httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const r = (req.route as { path?: string } | undefined)?.path;
      end({ route: typeof r === 'string' ? r : 'other', status: String(res.statusCode) });
    });
    next();
  });

  app.use(operationsRouter(deps.registry, deps.readinessChecks));

  // ---- generators ----
  app.get(
    '/api/agreements/generate',
    route(async (req, res) => {
      const count = queryInt(req, 'count', limits.defaultCount, limits.maxCount);
      const r = await generation.generateAgreements(count).catch(wrap('Kafka'));
      generated.inc({ kind: 'agreement' }, r.produced);
      text(res, r.text);
    }),
  );
  app.get(
    '/api/incoming-data-records/generate',
    route(async (req, res) => {
      const count = queryInt(req, 'count', limits.defaultCount, limits.maxCount);
      const months = queryInt(req, 'months', limits.defaultMonths, limits.maxMonths);
      const r = await generation.generateFile(count, months).catch(wrap('incoming folder'));
      generated.inc({ kind: 'file' });
      generated.inc({ kind: 'file_line' }, r.produced);
      req.log.info({ fileName: r.fileName, lines: r.produced }, 'data-record file written');
      text(res, r.text);
    }),
  );
  app.get(
    '/api/data-records/generate',
    route(async (req, res) => {
      const count = queryInt(req, 'count', limits.defaultCount, limits.maxCount);
      const months = queryInt(req, 'months', limits.defaultMonths, limits.maxMonths);
      const r = await generation.generateDataRecords(count, months).catch(wrap('Cassandra'));
      generated.inc({ kind: 'data_record' }, r.produced);
      text(res, r.text);
    }),
  );

  // ---- data records (REST) ----
  app.get(
    '/api/data-records/:agreementId/:year/:month',
    route(async (req, res) => {
      const p = req.params as Record<string, string>;
      const paging = recordPaging(req.query);
      if (!paging) {
        json(res, await dataRecords.find(p.agreementId, p.year, p.month).catch(wrap('Cassandra')));
        return;
      }
      if (!deps.pages) throw new BadRequestError('paging (limit, pageState) is not available on this server');
      const pages = deps.pages;
      const id = parseAgreementId(p.agreementId);
      const period = parsePeriod(p.year, p.month);
      const page = await pages.findPage(id, period.year, period.month, paging.limit, paging.pageState).catch((err: unknown) => {
        if (err instanceof InvalidPageStateError) throw new BadRequestError(err.message);
        return wrap('Cassandra')(err);
      });
      // The original's array shape; the next page's token in a header (absent on the last page).
      if (page.nextPageState) res.set('X-Next-Page-State', page.nextPageState);
      json(res, page.records.map(toView));
    }),
  );
  app.get(
    '/api/data-records/:agreementId/:year/:month/total-data-used',
    route(async (req, res) => {
      const p = req.params as Record<string, string>;
      text(res, await dataRecords.totalDataUsed(p.agreementId, p.year, p.month).catch(wrap('Cassandra')));
    }),
  );
  app.put(
    '/api/data-records/:agreementId',
    // As text, parsed exactly: JSON.parse would round a byte count beyond 2^53 − 1.
    express.text({ limit: '64kb', type: () => true }),
    route(async (req, res) => {
      const p = req.params as Record<string, string>;
      json(res, await dataRecords.upsert(p.agreementId, parseJsonBody(req.body)).catch(wrap('Cassandra')));
    }),
  );

  // ---- GraphQL, and GraphiQL (Ruru, served from node_modules: works offline) when enabled ----
  if (graphqlSettings.graphiql) {
    const graphiqlPage = ruruHTML({ endpoint: '/graphql', staticPath: GRAPHIQL_STATIC });
    const sendGraphiql: RequestHandler = (_req, res) => {
      res.type('text/html').send(graphiqlPage);
    };
    const staticAssets = serveStatic(GRAPHIQL_STATIC);
    app.use((req, res, next) => {
      if (req.method === 'GET' && req.path.startsWith(GRAPHIQL_STATIC)) staticAssets(req, res, next);
      else next();
    });
    app.get('/graphiql', sendGraphiql);
    app.get('/graphql', (req, res, next) => {
      if (req.accepts(['application/graphql-response+json', 'application/json', 'text/html']) === 'text/html' && !req.query.query) {
        sendGraphiql(req, res, next);
      } else next();
    });
  }
  const schema = createSchema(dataRecords);
  app.use(graphqlRouter(schema, { introspection: graphqlSettings.graphiql, limits: graphqlSettings.limits, dependency: 'Cassandra' }));

  // ---- the dashboard's API and its built files at / ----
  let closeStreams = () => undefined as void;
  if (deps.dashboard) {
    const dashboard = dashboardRouter({ ...deps.dashboard, store: deps.store });
    app.use(dashboard.router);
    closeStreams = dashboard.closeStreams;
  }

  // ---- errors: a code and a message, never a stack or a path; the details go to the log ----
  app.use((req, res) => {
    const message = req.path.startsWith('/graphiql') && !graphqlSettings.graphiql ? 'GraphiQL is off (GENERATOR_GRAPHIQL=true turns it on)' : `no endpoint ${req.method} ${req.path}`;
    json(res, errorBody(deps.clock, req, 404, 'not-found', message), 404);
  });
  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    const { status, code, message } = classify(err, req);
    if (err instanceof DependencyError) req.log.error({ err: err.cause, dependency: err.dependency }, message);
    else if (status >= 500) req.log.error({ err }, message);
    else req.log.info({ status, code, reason: message }, 'request rejected');
    if (res.headersSent) return;
    if (err instanceof GenerationBusyError) res.set('Retry-After', String(err.retryAfterSeconds));
    if (err instanceof UpstreamError && err.retryAfter) res.set('Retry-After', err.retryAfter);
    json(res, errorBody(deps.clock, req, status, code, message), status);
  };
  app.use(onError);

  return { app, generation, closeStreams };
}

function wrap(dependency: string) {
  return (err: unknown): never => {
    if (isPublicError(err)) throw err;
    throw new DependencyError(dependency, err);
  };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function requestIdOf(req: Request): string {
  const id = (req as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : '';
}

/** The original's error JSON, plus a stable code and the request id under which the log has the details. */
function errorBody(clock: () => number, req: Request, status: number, code: string, message: string) {
  return {
    timestamp: new Date(clock()).toISOString(),
    status,
    error: REASONS[status] ?? 'Error',
    code,
    message,
    path: req.path,
    requestId: requestIdOf(req),
  };
}

function classify(err: unknown, req: Request): { status: number; code: string; message: string } {
  if (isPublicError(err)) return { status: err.status, code: err.code, message: err.message };
  // body-parser's and Express's own errors (http-errors): `expose` marks a message meant for the client.
  const e = err as { status?: unknown; type?: unknown; message?: unknown; expose?: unknown; limit?: unknown };
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    if (e.type === 'entity.too.large') {
      return { status: 413, code: 'payload-too-large', message: `request body larger than the limit of ${String(e.limit)} bytes` };
    }
    const message = e.expose === true && typeof e.message === 'string' ? e.message.split('\n')[0] ?? '' : (REASONS[e.status] ?? 'bad request');
    return { status: e.status, code: e.status === 415 ? 'unsupported-media-type' : 'bad-request', message };
  }
  return { status: 500, code: 'internal-error', message: `internal error; the log has the details under request id ${requestIdOf(req)}` };
}
