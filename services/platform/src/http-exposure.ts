// Private by default (the Redis "protected mode" idea): services bind to loopback unless
// told otherwise, and a service whose endpoints change things refuses to listen beyond
// loopback without a bearer token to check.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Request, RequestHandler, Response } from 'express';

/** Whether an address only this machine can reach. */
export function isLoopback(address: string): boolean {
  const a = address.trim().toLowerCase();
  if (a === 'localhost' || a === '::1' || a === '[::1]') return true;
  return isIP(a) === 4 && a.startsWith('127.');
}

/** Why a bind address and token do not go together, or undefined when they do. */
export function exposureProblem(bindAddress: string, token: string | undefined): string | undefined {
  if (isLoopback(bindAddress) || token !== undefined) return undefined;
  return (
    `HTTP_BIND_ADDRESS=${bindAddress} lets other machines reach this service's endpoints that write data, ` +
    'but API_TOKEN is not set: set API_TOKEN (at least 16 characters) so that they require "Authorization: Bearer <token>", ' +
    'or bind to 127.0.0.1'
  );
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The request's id: the one an earlier middleware gave it (req.id, X-Request-Id), else a new one, sent back as X-Request-Id. */
function requestIdOf(req: Request, res: Response): string {
  const r = req as { id?: unknown };
  if (typeof r.id === 'string' || typeof r.id === 'number') return String(r.id);
  const sent = res.get('X-Request-Id');
  if (sent) return sent;
  const id = randomUUID();
  r.id = id;
  res.set('X-Request-Id', id);
  return id;
}

/**
 * Requires `Authorization: Bearer <token>` on the requests `isProtected` selects; 401 with
 * the error body of every other answer (code, message, request id) otherwise, logged under
 * that id when a logger is given. Without a token (loopback only) everything passes.
 */
export function bearerTokenGuard(
  token: string | undefined,
  isProtected: (req: { method: string; path: string }) => boolean,
  log?: { warn(fields: Record<string, unknown>, message: string): void },
): RequestHandler {
  return (req, res, next) => {
    if (token === undefined || !isProtected(req)) {
      next();
      return;
    }
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match && sameSecret(match[1]!, token)) {
      next();
      return;
    }
    const requestId = requestIdOf(req, res);
    log?.warn({ requestId, method: req.method, path: req.path, authorization: header === '' ? 'missing' : 'wrong' }, 'write refused: no valid API token');
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="mobilecs"')
      .json({
        timestamp: new Date().toISOString(),
        status: 401,
        error: 'Unauthorized',
        code: 'unauthorized',
        message: `${req.method} ${req.path} changes data: send the API token as "Authorization: Bearer <API_TOKEN>"`,
        path: req.path,
        requestId,
      });
  };
}
