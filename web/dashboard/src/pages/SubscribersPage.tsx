import { useEffect, useState } from 'react';
import { PercentBar, StateBadge } from '../components/Badges';
import { ErrorMessage } from '../components/ErrorMessage';
import { formatBytes } from '../lib/bytes';
import {
  clampOffset,
  listQueryApiPath,
  listQueryParams,
  nextPage,
  pageInfo,
  parseListQuery,
  prevPage,
  type ListQuery,
  type SortKey,
  withSearch,
  withSort,
} from '../lib/paging';
import { parseSubscribersPage } from '../lib/parse';
import { formatYearMonth } from '../lib/period';
import { detailHref, subscribersHref } from '../lib/route';
import { navigate, useApi } from '../use-api';

/** Live usage: the listing is asked again this long after each answer. */
const POLL_MS = 2_000;
const SEARCH_DEBOUNCE_MS = 300;

function go(query: ListQuery, replace = false) {
  navigate(subscribersHref(listQueryParams(query)), replace);
}

export function SubscribersPage({ params }: { params: URLSearchParams }) {
  const query = parseListQuery(params);
  const apiPath = listQueryApiPath(query);
  const { data, error, loading, updatedAt } = useApi(apiPath, parseSubscribersPage, { pollMs: POLL_MS, keepPrevious: true });
  const [search, setSearch] = useState(query.q);

  // Typing searches after a short pause; the URL carries the query (back/forward, links).
  useEffect(() => {
    if (search.trim() === query.q) return;
    const t = setTimeout(() => go(withSearch(query, search), true), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
    // Only the typed text starts a search (query changes with every poll-free navigation).
  }, [search]);

  // Back/forward or a link changed the search: show it in the box.
  useEffect(() => setSearch((s) => (s.trim() === query.q ? s : query.q)), [query.q]);

  // The total shrank under the current page (fewer matches): go to the last page with rows.
  useEffect(() => {
    if (data && data.rows.length === 0 && query.offset > 0 && data.total > 0) go(clampOffset(query, data.total), true);
  }, [data, query]);

  const info = data ? pageInfo(data.total, data.offset ?? query.offset, query.limit, data.rows.length) : null;
  const sortHeader = (key: SortKey, label: string) => (
    <button type="button" className="sort" onClick={() => go(withSort(query, key))} data-testid={`sort-${key}`}>
      {label}
      {query.sort === key ? (query.order === 'asc' ? ' ▲' : ' ▼') : ''}
    </button>
  );

  return (
    <section>
      <div className="toolbar">
        <h1>Subscribers</h1>
        <input
          type="search"
          placeholder="msisdn or agreement id (prefix)"
          value={search}
          maxLength={64}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="subscriber-search"
          aria-label="search by msisdn or agreement id"
        />
        <label>
          rows{' '}
          <select value={query.limit} onChange={(e) => go({ ...query, limit: Number(e.target.value), offset: 0 })}>
            {[20, 50, 100, 200, 500].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" data-testid="subscribers-status">
          {loading && !data ? 'loading…' : updatedAt ? `live · updated ${updatedAt.toLocaleTimeString()}` : ''}
        </span>
      </div>
      {error && <ErrorMessage message={error} title={data ? 'Refresh failed (showing the last answer)' : 'Could not load subscribers'} />}
      {data && (
        <>
          <table className="grid subscribers">
            <thead>
              <tr>
                <th>{sortHeader('msisdn', 'msisdn')}</th>
                <th>agreement</th>
                <th>plan</th>
                <th>time zone</th>
                <th>current period</th>
                <th className="num">{sortHeader('usage', 'usage')}</th>
                <th>{sortHeader('percent', '% of plan')}</th>
                <th>state</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((row) => (
                <tr
                  key={row.agreementId}
                  className="clickable"
                  data-testid="subscriber-row"
                  data-msisdn={row.msisdn}
                  data-agreement-id={row.agreementId}
                  data-state={row.state}
                  onClick={() => navigate(detailHref(row.agreementId, row.period))}
                >
                  <td className="mono">{row.msisdn}</td>
                  <td className="mono">
                    <a href={detailHref(row.agreementId, row.period)} onClick={(e) => e.stopPropagation()}>
                      {row.agreementId}
                    </a>
                  </td>
                  <td className="num" title={`${String(row.maxBytesInBillingPeriod)} B`}>
                    {formatBytes(row.maxBytesInBillingPeriod)}
                  </td>
                  <td>{row.billingPeriodTimeZone}</td>
                  <td>{row.period ? formatYearMonth(row.period) : '—'}</td>
                  <td className="num" title={`${String(row.totalRecordedBytes)} B`} data-testid="subscriber-usage">
                    {formatBytes(row.totalRecordedBytes)}
                  </td>
                  <td>
                    <PercentBar percent={row.percentOfPlan} />
                  </td>
                  <td>
                    <StateBadge state={row.state} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.rows.length === 0 && <p className="muted">{query.q ? `No subscriber's msisdn or agreement id starts with "${query.q}".` : 'No subscribers yet: generate agreements and records on the Generate page.'}</p>}
          {info && (
            <div className="pager">
              <button type="button" disabled={!info.hasPrev} onClick={() => go(prevPage(query))} data-testid="page-prev">
                ← prev
              </button>
              <span data-testid="page-info">
                {info.from}–{info.to} of {info.total}
              </span>
              <button type="button" disabled={!info.hasNext} onClick={() => go(nextPage(query, info.total))} data-testid="page-next">
                next →
              </button>
              {data.instances && (
                <span className="muted">
                  from {data.instances.length} ingester instance{data.instances.length === 1 ? '' : 's'}
                </span>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}
