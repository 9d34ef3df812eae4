import { describe, expect, it } from 'vitest';
import { isWriteRequest } from './write-requests';

describe('isWriteRequest', () => {
  it('generate calls and every method that writes are writes', () => {
    for (const path of ['/api/agreements/generate', '/api/incoming-data-records/generate', '/api/data-records/generate']) {
      expect(isWriteRequest({ method: 'GET', path })).toBe(true);
    }
    expect(isWriteRequest({ method: 'PUT', path: '/api/agreements/x/data-records' })).toBe(true);
    expect(isWriteRequest({ method: 'POST', path: '/graphql' })).toBe(true);
    expect(isWriteRequest({ method: 'delete', path: '/anything' })).toBe(true);
  });
  it('reads are not', () => {
    for (const path of ['/health/ready', '/metrics', '/api/agreements/x/data-records', '/graphql', '/graphiql', '/api/generated-things']) {
      expect(isWriteRequest({ method: 'GET', path })).toBe(false);
    }
    expect(isWriteRequest({ method: 'OPTIONS', path: '/graphql' })).toBe(false);
  });
});
