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
      expect(res.body).toMatchObject({ code: 'unauthorized' });
      expect(JSON.stringify(res.body)).not.toContain(token);
    }
    expect((await request(app).get('/api/generate')).status).toBe(401);
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
