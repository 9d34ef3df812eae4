// GraphQL over HTTP (GET with ?query=…, POST with a JSON body), executed with the one
// graphql module this service imports. (graphql-http's adapter loads graphql's CommonJS
// build while ESM code gets its .mjs build: two realms that graphql refuses to mix.)
import express, { type RequestHandler, type Router } from 'express';
import { OperationTypeNode, getOperationAST, graphql, parse, type GraphQLSchema } from 'graphql';
import { parseExact, stringifyExact } from '@mobilecs/domain';
import { parseJsonBody } from '../dataRecords';

interface Params {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

function badRequest(message: string): { status: 400; body: unknown } {
  return { status: 400, body: { errors: [{ message }] } };
}

function readParams(source: Record<string, unknown>, fromQueryString: boolean): Params | { status: 400; body: unknown } {
  const { query, operationName } = source;
  let { variables } = source;
  if (typeof query !== 'string' || query.trim() === '') return badRequest('missing "query": a GraphQL document as a string');
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return badRequest('"operationName" must be a string');
  }
  if (fromQueryString && typeof variables === 'string') {
    try {
      variables = parseExact(variables);
    } catch {
      return badRequest('"variables" is not valid JSON');
    }
  }
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return badRequest('"variables" must be a JSON object');
  }
  return {
    query,
    ...(variables ? { variables: variables as Record<string, unknown> } : {}),
    ...(typeof operationName === 'string' ? { operationName } : {}),
  };
}

export function graphqlRouter(schema: GraphQLSchema): Router {
  const router = express.Router();
  const run =
    (fromQueryString: boolean): RequestHandler =>
    async (req, res) => {
      // Bodies and variables are parsed exactly: a Long beyond 2^53 − 1 arrives as a bigint, not a rounded double.
      const source = fromQueryString ? (req.query as unknown) : parseJsonBody(req.body);
      const params =
        source && typeof source === 'object' && !Array.isArray(source)
          ? readParams(source as Record<string, unknown>, fromQueryString)
          : badRequest('the body must be a JSON object {query, variables?, operationName?}');
      if ('status' in params) {
        res.status(params.status).type('application/json').send(JSON.stringify(params.body));
        return;
      }
      if (fromQueryString) {
        // GET may only read (GraphQL over HTTP): no mutations.
        try {
          const op = getOperationAST(parse(params.query), params.operationName);
          if (op?.operation === OperationTypeNode.MUTATION) {
            res.status(405).set('Allow', 'POST').type('application/json').send(JSON.stringify({ errors: [{ message: 'mutations need POST' }] }));
            return;
          }
        } catch {
          // a syntax error is reported by graphql() below
        }
      }
      const result = await graphql({
        schema,
        source: params.query,
        variableValues: params.variables ?? null,
        operationName: params.operationName ?? null,
      });
      res.status(200).type('application/json').send(stringifyExact(result));
    };
  router.get('/graphql', run(true));
  router.post('/graphql', express.text({ limit: '256kb', type: () => true }), run(false));
  return router;
}
