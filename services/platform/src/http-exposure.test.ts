import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { bearerTokenGuard, exposureProblem, isLoopback } from './http-exposure';

describe('exposure', () => {
  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(a)).toBe(true);
    for (const a of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.org', '128.0.0.1']) expect(isLoopback(a)).toBe(false);
  });
  it('refuses a non-loopback bind without a token, naming both settings', () => {
    expect(exposureProblem('127.0.0.1', undefined)).toBeUndefined();
    expect(exposureProblem('0.0.0.0', 'x'.repeat(16))).toBeUndefined();
    expect(exposureProblem('0.0.0.0', undefined)).toMatch(/HTTP_BIND_ADDRESS=0\.0\.0\.0 .*API_TOKEN/);
  });
});

describe('bearerTokenGuard', () => {
  const token = 'correct-horse-battery-staple';
  const app = express();
  app.use(bearerTokenGuard(token, (req) => req.method !== 'GET' || req.path.endsWith('/generate')));
  app.get('/read', (_req, res) => void res.send('read'));
  app.get('/api/generate', (_req, res) => void res.send('generated'));
  app.put('/write', (_req, res) => void res.send('written'));

  it('lets read-only requests through without a token', async () => {
    expect((await request(app).get('/read')).status).toBe(200);
  });
  it('answers 401 with a JSON reason to a protected request without the right token', async () => {
    for (const auth of [undefined, 'Bearer wrong', `Basic ${token}`, `Bearer ${token}x`]) {
      const r = request(app).put('/write');
      const res = await (auth ? r.set('Authorization', auth) : r);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('Bearer');
      // The error body of every other answer: code, message, and the request id of X-Request-Id.
      expect(res.body).toMatchObject({ status: 401, code: 'unauthorized', message: expect.stringContaining('Authorization: Bearer') as unknown, path: '/write' });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect((res.body as { requestId?: unknown }).requestId).toBe(res.headers['x-request-id']);
      expect(JSON.stringify(res.body)).not.toContain(token);
    }
    expect((await request(app).get('/api/generate')).status).toBe(401);
  });
  it('names the id an earlier middleware gave the request, and logs the refusal under it', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const withIds = express();
    withIds.use((req, res, next) => {
      (req as { id?: unknown }).id = 'req-42';
      res.set('X-Request-Id', 'req-42');
      next();
    });
    withIds.use(bearerTokenGuard(token, () => true, { warn: (fields) => void logged.push(fields) }));
    const res = await request(withIds).put('/write').set('Authorization', 'Bearer guessed-secret-123');
    expect(res.status).toBe(401);
    expect((res.body as { requestId?: unknown }).requestId).toBe('req-42');
    expect(logged).toEqual([expect.objectContaining({ requestId: 'req-42', authorization: 'wrong' })]);
    expect(JSON.stringify(logged)).not.toContain('guessed-secret-123'); // the given token is never logged
  });
  it('lets the right token through', async () => {
    expect((await request(app).put('/write').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await request(app).get('/api/generate').set('Authorization', `bearer ${token}`)).status).toBe(200);
  });
  it('without a token configured, guards nothing', async () => {
    const open = express();
    open.use(bearerTokenGuard(undefined, () => true));
    open.put('/write', (_req, res) => void res.send('written'));
    expect((await request(open).put('/write')).status).toBe(200);
  });
});
