// GraphQL over HTTP (GET with ?query=…, POST with a JSON body), executed with the one
// graphql module this service imports. (graphql-http's adapter loads graphql's CommonJS
// build while ESM code gets its .mjs build: two realms that graphql refuses to mix.)
//
// Bounded before anything runs: the parser stops after GENERATOR_GRAPHQL_MAX_TOKENS
// tokens, then GraphQL Armor's rules count aliases, depth and cost, and only a document
// within those limits is validated in full and executed. A refused document answers 400
// and never reaches a resolver (so never Cassandra).
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  OperationTypeNode,
  execute,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { errorKind } from '@mobilecs/platform';
import { parseExact, stringifyExact } from '@mobilecs/domain';
import { parseJsonBody } from '../data-records';

export interface GraphqlLimits {
  maxAliases: number;
  maxDepth: number;
  maxCost: number;
  maxTokens: number;
}

export interface GraphqlOptions {
  /** Introspection queries (__schema, __type) allowed: GENERATOR_GRAPHIQL. */
  introspection: boolean;
  limits: GraphqlLimits;
  /** What the resolvers depend on, to name it when it fails ("Cassandra"). */
  dependency: string;
}

/** What each limit is called in the environment, for the error messages. */
const LIMIT_VARIABLES = {
  aliases: 'GENERATOR_GRAPHQL_MAX_ALIASES',
  depth: 'GENERATOR_GRAPHQL_MAX_DEPTH',
  cost: 'GENERATOR_GRAPHQL_MAX_COST',
  tokens: 'GENERATOR_GRAPHQL_MAX_TOKENS',
} as const;

interface Params {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

interface ErrorJson {
  message: string;
  locations?: readonly { line: number; column: number }[];
  path?: readonly (string | number)[];
  extensions: { code: string; requestId?: string } & Record<string, unknown>;
}

function requestIdOf(req: Request): string | undefined {
  const id = (req as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

function send(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/json').send(stringifyExact(body));
}

function readParams(source: Record<string, unknown>, fromQueryString: boolean): Params | string {
  const { query, operationName } = source;
  let { variables } = source;
  if (typeof query !== 'string' || query.trim() === '') return 'missing "query": a GraphQL document as a string';
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return '"operationName" must be a string';
  if (fromQueryString && typeof variables === 'string') {
    try {
      variables = parseExact(variables);
    } catch {
      return '"variables" is not valid JSON';
    }
  }
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return '"variables" must be a JSON object';
  }
  return {
    query,
    ...(variables ? { variables: variables as Record<string, unknown> } : {}),
    ...(typeof operationName === 'string' ? { operationName } : {}),
  };
}

/** GraphQL Armor's rules, reporting (not throwing) what exceeds a limit, in our words. */
function limitRules(limits: GraphqlLimits): ValidationRule[] {
  const report =
    (limit: keyof typeof LIMIT_VARIABLES, max: number) =>
    (context: unknown, err: { message: string }): void => {
      const found = /found (\d+(?:\.\d+)?)/.exec(err.message)?.[1];
      const message =
        `query refused: its ${limit} ${found !== undefined ? `(${found}) ` : ''}exceeds the limit of ${max}; ` +
        `simplify the query or raise ${LIMIT_VARIABLES[limit]}`;
      (context as { reportError(e: GraphQLError): void }).reportError(new GraphQLError(message, { extensions: { code: 'QUERY_LIMIT_EXCEEDED' } }));
    };
  const common = { exposeLimits: true, propagateOnRejection: false };
  // The rules are written against graphql 16's types; they use only the document and
  // context.getFragment, which graphql 17's ValidationContext provides.
  return [
    maxAliasesRule({ ...common, n: limits.maxAliases, onReject: [report('aliases', limits.maxAliases)] }),
    maxDepthRule({ ...common, n: limits.maxDepth, onReject: [report('depth', limits.maxDepth)] }),
    costLimitRule({ ...common, maxCost: limits.maxCost, onReject: [report('cost', limits.maxCost)] }),
  ] as unknown as ValidationRule[];
}

export function graphqlRouter(schema: GraphQLSchema, options: GraphqlOptions): Router {
  const router = express.Router();
  const limits = limitRules(options.limits);
  const rules: ValidationRule[] = options.introspection ? [...specifiedRules] : [...specifiedRules, NoSchemaIntrospectionCustomRule];

  const errorJson = (req: Request, message: string, code: string, from?: GraphQLError): ErrorJson => {
    const requestId = requestIdOf(req);
    return {
      message,
      ...(from?.locations ? { locations: from.locations } : {}),
      ...(from?.path ? { path: from.path } : {}),
      extensions: { code, ...(requestId !== undefined ? { requestId } : {}) },
    };
  };
  const refuse = (req: Request, res: Response, status: number, errors: ErrorJson[], headers: Record<string, string> = {}) => {
    req.log.info({ status, reasons: errors.map((e) => e.message) }, 'graphql request refused');
    res.set(headers);
    send(res, status, { errors });
  };

  /** An execution error as the caller sees it: their own mistakes in full, failures of ours named only. */
  const publicError = (req: Request, e: GraphQLError): ErrorJson => {
    const original = e.originalError;
    if (original === undefined || original instanceof GraphQLError) {
      const code = (original ?? e).extensions.code;
      return errorJson(req, e.message, typeof code === 'string' ? code : 'BAD_USER_INPUT', e);
    }
    req.log.error({ err: original, path: e.path }, `graphql resolver failed: ${options.dependency}`);
    return errorJson(req, `${options.dependency} unavailable (${errorKind(original)}); the log has the details under this request id`, 'SERVICE_UNAVAILABLE', e);
  };

  const run =
    (fromQueryString: boolean): RequestHandler =>
    async (req, res) => {
      // Bodies and variables are parsed exactly: a Long beyond 2^53 − 1 arrives as a bigint, not a rounded double.
      const source = fromQueryString ? (req.query as unknown) : parseJsonBody(req.body);
      const params =
        source && typeof source === 'object' && !Array.isArray(source)
          ? readParams(source as Record<string, unknown>, fromQueryString)
          : 'the body must be a JSON object {query, variables?, operationName?}';
      if (typeof params === 'string') {
        refuse(req, res, 400, [errorJson(req, params, 'BAD_REQUEST')]);
        return;
      }

      let document: DocumentNode;
      try {
        document = parse(params.query, { maxTokens: options.limits.maxTokens });
      } catch (err) {
        const e = err instanceof GraphQLError ? err : new GraphQLError('the query cannot be parsed');
        refuse(
          req,
          res,
          400,
          /more than \d+ tokens/.test(e.message)
            ? [errorJson(req, `query refused: it has more than ${options.limits.maxTokens} tokens; simplify the query or raise ${LIMIT_VARIABLES.tokens}`, 'QUERY_LIMIT_EXCEEDED')]
            : [errorJson(req, e.message, 'GRAPHQL_PARSE_FAILED', e)],
        );
        return;
      }

      // The limits first, on their own: the full validation (overlapping fields) is itself
      // quadratic in the number of fields.
      const overLimits = validate(schema, document, limits);
      if (overLimits.length > 0) {
        refuse(req, res, 400, overLimits.map((e) => errorJson(req, e.message, 'QUERY_LIMIT_EXCEEDED', e)));
        return;
      }
      const invalid = validate(schema, document, rules);
      if (invalid.length > 0) {
        const introspection = invalid.some((e) => /introspection has been disabled/.test(e.message));
        refuse(
          req,
          res,
          400,
          invalid.map((e) =>
            errorJson(
              req,
              introspection && /introspection has been disabled/.test(e.message) ? `${e.message} (GENERATOR_GRAPHIQL=true enables it)` : e.message,
              'GRAPHQL_VALIDATION_FAILED',
              e,
            ),
          ),
        );
        return;
      }

      if (fromQueryString && getOperationAST(document, params.operationName)?.operation === OperationTypeNode.MUTATION) {
        // GET may only read (GraphQL over HTTP): no mutations.
        refuse(req, res, 405, [errorJson(req, 'mutations need POST', 'METHOD_NOT_ALLOWED')], { Allow: 'POST' });
        return;
      }

      const result: ExecutionResult = await execute({
        schema,
        document,
        variableValues: params.variables ?? null,
        operationName: params.operationName ?? null,
      });
      const body = result.errors ? { ...result, errors: result.errors.map((e) => publicError(req, e)) } : result;
      send(res, 200, body);
    };
  router.get('/graphql', run(true));
  router.post('/graphql', express.text({ limit: '256kb', type: () => true }), run(false));
  return router;
}
