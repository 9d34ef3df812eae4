import { describe, expect, it } from 'vitest';
import { parseAgreementId, parseScope, parseSubscriberQuery } from './query-params';

const parse = (q: Record<string, unknown>) => parseSubscriberQuery(q, 10_000);
const problem = (q: Record<string, unknown>) => {
  const r = parse(q);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(q)}`);
  return r.error;
};

describe('parseSubscriberQuery', () => {
  it('defaults: everything, by percent descending, the first 50', () => {
    expect(parse({})).toEqual({ ok: true, value: { q: '', sort: 'percent', order: 'desc', offset: 0, limit: 50, scope: 'all' } });
    expect(parse({ q: ' 4891 ', sort: 'usage', order: 'asc', offset: '100', limit: '500' })).toEqual({
      ok: true,
      value: { q: '4891', sort: 'usage', order: 'asc', offset: 100, limit: 500, scope: 'all' },
    });
  });
  it('names the parameter that is wrong', () => {
    expect(problem({ sort: 'name' })).toMatchObject({ parameter: 'sort', message: expect.stringContaining('percent, msisdn, usage') as string });
    expect(problem({ order: 'up' }).parameter).toBe('order');
    expect(problem({ offset: '-1' }).parameter).toBe('offset');
    expect(problem({ offset: '1.5' }).parameter).toBe('offset');
    expect(problem({ limit: '0' }).parameter).toBe('limit');
    expect(problem({ limit: '501' })).toMatchObject({ parameter: 'limit', message: 'limit: 501 is outside 1…500' });
    expect(problem({ limit: 'ten' }).parameter).toBe('limit');
    expect(problem({ q: 'x'.repeat(65) }).parameter).toBe('q');
    expect(problem({ q: "a' OR 1=1" }).parameter).toBe('q');
    expect(problem({ sort: ['percent', 'usage'] })).toMatchObject({ parameter: 'sort', message: expect.stringContaining('more than once') as string });
    expect(problem({ scope: 'global' }).parameter).toBe('scope');
  });
  it('a page reaches at most maxRows deep; asked with scope=local, limit may go that deep', () => {
    expect(problem({ offset: '9990', limit: '50' })).toMatchObject({ parameter: 'offset', message: expect.stringContaining('deeper than 10000') as string });
    expect(parse({ offset: '9950', limit: '50' }).ok).toBe(true);
    expect(parse({ scope: 'local', limit: '10000' })).toMatchObject({ ok: true, value: { limit: 10_000, scope: 'local' } });
    expect(problem({ scope: 'local', limit: '10001' }).parameter).toBe('limit');
  });
});

describe('parseAgreementId and parseScope', () => {
  it('a UUID, lower-cased; anything else is named', () => {
    expect(parseAgreementId('0B12C601-9287-3F5C-A78C-DF508FE0F889')).toEqual({ ok: true, value: '0b12c601-9287-3f5c-a78c-df508fe0f889' });
    expect(parseAgreementId('not-a-uuid')).toMatchObject({ ok: false, error: { parameter: 'agreementId', message: 'agreementId: "not-a-uuid" is not a UUID' } });
    expect(parseScope({ scope: 'local' })).toEqual({ ok: true, value: 'local' });
    expect(parseScope({})).toEqual({ ok: true, value: 'all' });
  });
});
