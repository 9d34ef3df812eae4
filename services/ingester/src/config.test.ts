import { describe, expect, it } from 'vitest';
import { ConfigError } from '@mobilecs/platform';
import { defaultAdvertisedUrl, loadIngesterConfig } from './config';

describe('INGESTER_ADVERTISED_URL', () => {
  it('defaults from the bind address and the port the server got', () => {
    expect(defaultAdvertisedUrl('127.0.0.1', 8082, 'box')).toBe('http://127.0.0.1:8082');
    expect(defaultAdvertisedUrl('::1', 8082, 'box')).toBe('http://127.0.0.1:8082');
    // Every interface: the machine's own IPv4 address (a pod's IP), else its host name.
    expect(defaultAdvertisedUrl('0.0.0.0', 8082, 'ingester-7f9c', '10.244.0.12')).toBe('http://10.244.0.12:8082');
    expect(defaultAdvertisedUrl('0.0.0.0', 8082, 'ingester-7f9c', null)).toBe('http://ingester-7f9c:8082');
    expect(defaultAdvertisedUrl('10.1.2.3', 9000, 'box')).toBe('http://10.1.2.3:9000');
    expect(defaultAdvertisedUrl('fd00::5', 9000, 'box')).toBe('http://[fd00::5]:9000');
  });
  it('is validated at start-up: an http(s) URL without path or credentials; a trailing slash is dropped', () => {
    expect(loadIngesterConfig({ INGESTER_ADVERTISED_URL: 'http://ingester-0.ingester:8082/' }).INGESTER_ADVERTISED_URL).toBe('http://ingester-0.ingester:8082');
    expect(loadIngesterConfig({}).INGESTER_ADVERTISED_URL).toBeUndefined();
    // Empty, as compose and k8s set it for every replica alike: the default.
    expect(loadIngesterConfig({ INGESTER_ADVERTISED_URL: '' }).INGESTER_ADVERTISED_URL).toBeUndefined();
    for (const bad of ['ingester:8082', 'ftp://ingester:8082', 'http://ingester:8082/api', 'http://u:p@ingester:8082']) {
      expect(() => loadIngesterConfig({ INGESTER_ADVERTISED_URL: bad })).toThrow(ConfigError);
    }
    expect(() => loadIngesterConfig({ INGESTER_ADVERTISED_URL: 'ingester:8082' })).toThrow(/INGESTER_ADVERTISED_URL="ingester:8082": an http/);
  });
});
