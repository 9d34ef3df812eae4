import { describe, expect, it } from 'vitest';
import { generateUrl } from './generate';

describe('generateUrl', () => {
  it("leaves empty fields to the server's defaults", () => {
    expect(generateUrl('/api/agreements/generate', '', null)).toBe('/api/agreements/generate');
    expect(generateUrl('/api/incoming-data-records/generate', ' ', '')).toBe('/api/incoming-data-records/generate');
  });
  it('sends what was filled in, as typed (the server validates and answers a 400 with a reason)', () => {
    expect(generateUrl('/api/data-records/generate', '3', '2')).toBe('/api/data-records/generate?count=3&months=2');
    expect(generateUrl('/api/agreements/generate', '5', null)).toBe('/api/agreements/generate?count=5');
    expect(generateUrl('/api/agreements/generate', '-1', null)).toBe('/api/agreements/generate?count=-1');
  });
});
