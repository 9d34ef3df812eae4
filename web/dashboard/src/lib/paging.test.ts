import { describe, expect, it } from 'vitest';
import {
  answered,
  clampOffset,
  currentToken,
  firstTokenPage,
  listQueryApiPath,
  listQueryParams,
  nextPage,
  pageInfo,
  parseListQuery,
  prevPage,
  recordsApiPath,
  tokenNext,
  tokenPrev,
  withSearch,
  withSort,
} from './paging';

const q = (s: string) => parseListQuery(new URLSearchParams(s));

describe('the listing query', () => {
  it('has defaults: % of plan, highest first, 50 a page', () => {
    expect(q('')).toEqual({ q: '', sort: 'percent', order: 'desc', offset: 0, limit: 50 });
    expect(q('sort=msisdn')).toMatchObject({ sort: 'msisdn', order: 'asc' });
  });
  it('falls back on unreadable parameters and clamps the limit', () => {
    expect(q('sort=nope&order=up&offset=-5&limit=9999')).toEqual({ q: '', sort: 'percent', order: 'desc', offset: 0, limit: 500 });
    expect(q('limit=0').limit).toBe(1);
    expect(q(`q=${'4'.repeat(100)}`).q).toHaveLength(64);
  });
  it('round-trips through URL parameters, leaving defaults out', () => {
    const query = { q: '489', sort: 'msisdn' as const, order: 'desc' as const, offset: 100, limit: 20 };
    expect(parseListQuery(listQueryParams(query))).toEqual(query);
    expect(listQueryParams(q('')).toString()).toBe('');
  });
  it('asks the API with every parameter', () => {
    expect(listQueryApiPath(q('q=0b12'))).toBe('/api/subscribers?sort=percent&order=desc&offset=0&limit=50&q=0b12');
  });
  it('goes back to the first page on a new search or sort', () => {
    const at100 = q('offset=100');
    expect(withSearch(at100, ' 4891 ')).toMatchObject({ q: '4891', offset: 0 });
    expect(withSort(at100, 'msisdn')).toMatchObject({ sort: 'msisdn', order: 'asc', offset: 0 });
    expect(withSort(q(''), 'percent')).toMatchObject({ sort: 'percent', order: 'asc' });
    expect(withSort(q('sort=usage&order=asc'), 'usage').order).toBe('desc');
  });
});

describe('offset paging', () => {
  it('describes the page shown', () => {
    expect(pageInfo(120, 0, 50, 50)).toEqual({ from: 1, to: 50, total: 120, hasPrev: false, hasNext: true });
    expect(pageInfo(120, 100, 50, 20)).toEqual({ from: 101, to: 120, total: 120, hasPrev: true, hasNext: false });
    expect(pageInfo(0, 0, 50, 0)).toEqual({ from: 0, to: 0, total: 0, hasPrev: false, hasNext: false });
  });
  it('moves next and previous within the total', () => {
    const first = q('');
    expect(nextPage(first, 120).offset).toBe(50);
    expect(nextPage(nextPage(nextPage(first, 120), 120), 120).offset).toBe(100);
    expect(nextPage({ ...first, offset: 100 }, 120).offset).toBe(100);
    expect(prevPage({ ...first, offset: 30 }).offset).toBe(0);
    expect(prevPage({ ...first, offset: 100 }).offset).toBe(50);
  });
  it('moves an offset past the end to the last page', () => {
    expect(clampOffset(q('offset=200'), 120).offset).toBe(100);
    expect(clampOffset(q('offset=200'), 0).offset).toBe(0);
    expect(clampOffset(q('offset=100'), 101).offset).toBe(100);
    expect(clampOffset(q('offset=100'), 100).offset).toBe(50);
  });
});

describe('token paging of the records', () => {
  it('walks forward with the next tokens and back over the kept ones', () => {
    let p = firstTokenPage;
    expect(currentToken(p)).toBeNull();
    expect(tokenNext(p)).toBe(p); // no next token known yet
    p = answered(p, 't1');
    p = tokenNext(p);
    expect(currentToken(p)).toBe('t1');
    p = tokenNext(answered(p, 't2'));
    expect(currentToken(p)).toBe('t2');
    p = answered(p, null); // last page
    expect(p.next).toBeNull();
    p = tokenPrev(p);
    expect(currentToken(p)).toBe('t1');
    expect(p.next).toBe('t2');
    p = tokenPrev(tokenPrev(p));
    expect(p.index).toBe(0);
    expect(currentToken(p)).toBeNull();
  });
  it('drops the tokens past the current page when it moves forward on a new answer', () => {
    let p = tokenNext(answered(firstTokenPage, 't1'));
    p = tokenPrev(p);
    p = tokenNext(answered(p, 't1b'));
    expect(p.tokens).toEqual([null, 't1b']);
  });
  it('treats an empty header as the last page', () => {
    expect(answered(firstTokenPage, '').next).toBeNull();
  });
  it('builds the records request', () => {
    expect(recordsApiPath('a', 2020, 1, 50, null)).toBe('/api/data-records/a/2020/01?limit=50');
    expect(recordsApiPath('a', 2020, 12, 50, 'x+/=')).toBe('/api/data-records/a/2020/12?limit=50&pageState=x%2B%2F%3D');
  });
});
