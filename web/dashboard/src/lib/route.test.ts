import { describe, expect, it } from 'vitest';
import { detailHref, parseRoute, subscribersHref } from './route';

describe('parseRoute', () => {
  it('defaults to the subscribers page', () => {
    expect(parseRoute('').page).toBe('subscribers');
    expect(parseRoute('#/').page).toBe('subscribers');
    const r = parseRoute('#/subscribers?q=489&offset=50');
    expect(r.page === 'subscribers' && r.params.get('q')).toBe('489');
  });
  it('reads the detail route with and without a period', () => {
    expect(parseRoute('#/subscribers/0b12c601-9287-3f5c-a78c-df508fe0f889')).toEqual({
      page: 'detail',
      agreementId: '0b12c601-9287-3f5c-a78c-df508fe0f889',
      period: null,
    });
    expect(parseRoute('#/subscribers/abc/2020/01')).toEqual({ page: 'detail', agreementId: 'abc', period: { year: 2020, month: 1 } });
  });
  it('refuses a bad period or an unknown page', () => {
    expect(parseRoute('#/subscribers/abc/2020/13').page).toBe('not-found');
    expect(parseRoute('#/subscribers/abc/2020').page).toBe('not-found');
    expect(parseRoute('#/nope').page).toBe('not-found');
  });
  it('reads the alerts and generate pages', () => {
    expect(parseRoute('#/alerts')).toEqual({ page: 'alerts' });
    expect(parseRoute('#/generate')).toEqual({ page: 'generate' });
  });
  it('round-trips the hrefs it makes', () => {
    expect(parseRoute(detailHref('a b', { year: 2020, month: 2 }))).toEqual({ page: 'detail', agreementId: 'a b', period: { year: 2020, month: 2 } });
    expect(detailHref('x', { year: 2020, month: 2 })).toBe('#/subscribers/x/2020/02');
    expect(subscribersHref(new URLSearchParams({ q: '1' }))).toBe('#/subscribers?q=1');
    expect(subscribersHref()).toBe('#/subscribers');
  });
});
