/** The request of one generator: count and months only when filled in (else the server's defaults). */
export function generateUrl(path: string, count: string, months: string | null): string {
  const p = new URLSearchParams();
  if (count.trim() !== '') p.set('count', count.trim());
  if (months !== null && months.trim() !== '') p.set('months', months.trim());
  const q = p.toString();
  return q ? `${path}?${q}` : path;
}
