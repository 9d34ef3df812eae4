// Billing periods as the detail page shows them: which one to open first, and their bounds
// written in the agreement's own zone (Intl with timeZone; the browser's zone plays no part).

export interface YearMonth {
  year: number;
  month: number;
}

/** The calendar month `now` falls in, in `timeZone`. Throws RangeError for an unknown zone. */
export function currentMonthIn(timeZone: string, now: Date): YearMonth {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric' }).formatToParts(now);
  const year = Number(parts.find((p) => p.type === 'year')?.value);
  const month = Number(parts.find((p) => p.type === 'month')?.value);
  return { year, month };
}

/** The newest of the open periods; else the current month in the agreement's zone (UTC if the zone is unknown). */
export function defaultPeriod(openPeriods: readonly YearMonth[], timeZone: string | null, now: Date): YearMonth {
  let newest: YearMonth | null = null;
  for (const p of openPeriods) {
    if (newest === null || p.year * 12 + p.month > newest.year * 12 + newest.month) newest = { year: p.year, month: p.month };
  }
  if (newest) return newest;
  try {
    return currentMonthIn(timeZone ?? 'UTC', now);
  } catch {
    return currentMonthIn('UTC', now);
  }
}

export function shiftMonth(p: YearMonth, delta: number): YearMonth {
  const index = p.year * 12 + (p.month - 1) + delta;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** "2020-01" (the value of an <input type="month">). */
export function formatYearMonth(p: YearMonth): string {
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}`;
}

export function parseYearMonth(text: string): YearMonth | null {
  const m = /^(\d{4})-(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  return { year: Number(m[1]), month };
}

/**
 * An instant written in `timeZone`: "2020-01-01 00:00:00 GMT+1". The offset is spelled out so
 * that a bound in the agreement's zone is not mistaken for the reader's local time. An unknown
 * zone falls back to UTC, saying so.
 */
export function formatInZone(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const options: Intl.DateTimeFormatOptions = {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'shortOffset',
  };
  let parts: Intl.DateTimeFormatPart[];
  let note = '';
  try {
    parts = new Intl.DateTimeFormat('en-US', { ...options, timeZone }).formatToParts(date);
  } catch {
    parts = new Intl.DateTimeFormat('en-US', { ...options, timeZone: 'UTC' }).formatToParts(date);
    note = ` (unknown zone ${timeZone})`;
  }
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${get('timeZoneName')}${note}`;
}
