// Private by default (the Redis "protected mode" idea): services bind to loopback unless
// told otherwise, and a service whose endpoints change things refuses to listen beyond
// loopback without a bearer token to check.
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { RequestHandler } from 'express';

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

/**
 * Requires `Authorization: Bearer <token>` on the requests `isProtected` selects; 401 with
 * a JSON body otherwise. Without a token (loopback only) everything passes.
 */
export function bearerTokenGuard(token: string | undefined, isProtected: (req: { method: string; path: string }) => boolean): RequestHandler {
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
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="mobilecs"')
      .json({ code: 'unauthorized', message: `${req.method} ${req.path} changes data: send the API token as "Authorization: Bearer <API_TOKEN>"` });
  };
}
