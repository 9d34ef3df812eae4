// Which requests change data (and so need the API token when one is configured): every
// generate call (GET, as in the original), every PUT/POST/PATCH/DELETE — GraphQL over
// POST included, since its mutations share the endpoint with queries. Reads stay open:
// health, metrics, the REST reads, GraphQL queries over GET (the GraphQL-over-HTTP spec
// forbids mutations over GET) and the GraphiQL page itself.
export function isWriteRequest(req: { method: string; path: string }): boolean {
  const method = req.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') return true;
  return /\/generate(?:\/|$)/.test(req.path);
}
