// Hash routes (#/subscribers, #/subscribers/<agreementId>[/<year>/<month>], #/alerts,
// #/generate): they work behind any static server and need no server-side fallback.

export type Route =
  | { page: 'subscribers'; params: URLSearchParams }
  | { page: 'detail'; agreementId: string; period: { year: number; month: number } | null }
  | { page: 'alerts' }
  | { page: 'generate' }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart = '', query = ''] = raw.split('?', 2);
  const parts = pathPart.split('/').filter((p) => p !== '').map((p) => decodeURIComponentSafe(p));
  const [head, id, year, month, ...rest] = parts;
  if (head === undefined || (head === 'subscribers' && id === undefined)) return { page: 'subscribers', params: new URLSearchParams(query) };
  if (head === 'alerts' && id === undefined) return { page: 'alerts' };
  if (head === 'generate' && id === undefined) return { page: 'generate' };
  if (head === 'subscribers' && id !== undefined && rest.length === 0) {
    if (year === undefined && month === undefined) return { page: 'detail', agreementId: id, period: null };
    const y = Number(year);
    const m = Number(month);
    if (month !== undefined && /^\d{4}$/.test(year ?? '') && /^\d{1,2}$/.test(month) && m >= 1 && m <= 12) {
      return { page: 'detail', agreementId: id, period: { year: y, month: m } };
    }
  }
  return { page: 'not-found', path: pathPart };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function subscribersHref(params?: URLSearchParams): string {
  const q = params?.toString() ?? '';
  return q ? `#/subscribers?${q}` : '#/subscribers';
}

export function detailHref(agreementId: string, period?: { year: number; month: number } | null): string {
  const base = `#/subscribers/${encodeURIComponent(agreementId)}`;
  return period ? `${base}/${period.year}/${String(period.month).padStart(2, '0')}` : base;
}
