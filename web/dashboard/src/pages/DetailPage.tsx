import { useEffect, useMemo, useState } from 'react';
import { ErrorMessage } from '../components/ErrorMessage';
import { UsageChart } from '../components/UsageChart';
import { formatBytes, UNITS } from '../lib/bytes';
import { prepareChartData } from '../lib/chart-data';
import { answered, currentToken, firstTokenPage, recordsApiPath, tokenNext, tokenPrev, type TokenPaging } from '../lib/paging';
import { BadAnswerError, parsePeriodDetail, parseUsage } from '../lib/parse';
import { defaultPeriod, formatInZone, formatYearMonth, parseYearMonth, shiftMonth, type YearMonth } from '../lib/period';
import { detailHref } from '../lib/route';
import type { DataRecord, PeriodDetail } from '../lib/types';
import { navigate, useApi } from '../use-api';

/** The open period's usage and curve change while records arrive. */
const POLL_MS = 5_000;
const RECORDS_PAGE = 50;

function periodPath(agreementId: string, p: YearMonth): string {
  return `/api/subscribers/${encodeURIComponent(agreementId)}/periods/${p.year}/${String(p.month).padStart(2, '0')}`;
}

export function DetailPage({ agreementId, period }: { agreementId: string; period: YearMonth | null }) {
  const usage = useApi(`/api/usage/${encodeURIComponent(agreementId)}`, parseUsage, { pollMs: POLL_MS, keepPrevious: true });
  const usageSettled = usage.data !== null || usage.error !== null;

  // No period in the address: the newest open one, else this month in the agreement's zone.
  useEffect(() => {
    if (period !== null || !usageSettled) return;
    const p = defaultPeriod(usage.data?.openPeriods ?? [], usage.data?.billingPeriodTimeZone ?? null, new Date());
    navigate(detailHref(agreementId, p), true);
  }, [period, usageSettled, usage.data, agreementId]);

  const detail = useApi(period ? periodPath(agreementId, period) : null, parsePeriodDetail, { pollMs: POLL_MS, keepPrevious: false });
  const d = detail.data;
  const zone = d?.billingPeriodTimeZone ?? usage.data?.billingPeriodTimeZone ?? 'UTC';
  const msisdn = d?.msisdn ?? usage.data?.msisdn;
  const plan = d?.maxBytesInBillingPeriod ?? usage.data?.maxBytesInBillingPeriod;

  const goPeriod = (p: YearMonth) => navigate(detailHref(agreementId, p));

  return (
    <section>
      <div className="toolbar">
        <h1>
          Subscriber <span className="mono">{msisdn ?? '…'}</span>
        </h1>
        <a href="#/subscribers">← all subscribers</a>
      </div>
      <dl className="facts">
        <dt>agreement</dt>
        <dd className="mono" data-testid="detail-agreement-id">
          {agreementId}
        </dd>
        <dt>plan</dt>
        <dd title={plan === undefined ? undefined : `${String(plan)} B`}>{plan === undefined ? '…' : formatBytes(plan)}</dd>
        <dt>time zone</dt>
        <dd>{zone}</dd>
        {usage.data?.owner && (
          <>
            <dt>live usage held by</dt>
            <dd>
              {usage.data.owner.url} (partition {usage.data.owner.partition}){usage.data.answeredBy ? `, asked ${usage.data.answeredBy}` : ''}
            </dd>
          </>
        )}
      </dl>
      {usage.error && <ErrorMessage title="Live usage" message={usage.error} />}
      {usage.data && usage.data.openPeriods.length > 0 && (
        <p className="open-periods">
          open periods:{' '}
          {usage.data.openPeriods.map((p) => (
            <a key={`${p.year}-${p.month}`} href={detailHref(agreementId, p)} className={period && p.year === period.year && p.month === period.month ? 'active' : undefined}>
              {formatYearMonth(p)} ({formatBytes(p.totalRecordedBytes)}
              {p.dataPlanExceeded ? ', exceeded' : ''})
            </a>
          ))}
        </p>
      )}

      <div className="toolbar period-picker">
        <button type="button" disabled={!period} onClick={() => period && goPeriod(shiftMonth(period, -1))} aria-label="previous month">
          ←
        </button>
        <input
          type="month"
          value={period ? formatYearMonth(period) : ''}
          onChange={(e) => {
            const p = parseYearMonth(e.target.value);
            if (p) goPeriod(p);
          }}
          data-testid="period-picker"
          aria-label="billing period"
        />
        <button type="button" disabled={!period} onClick={() => period && goPeriod(shiftMonth(period, 1))} aria-label="next month">
          →
        </button>
        {!period && <span className="muted">choosing a period…</span>}
      </div>

      {detail.error && <ErrorMessage title="Billing period" message={detail.error} />}
      {period && detail.loading && !d && <p className="muted">loading {formatYearMonth(period)}…</p>}
      {d && <PeriodView detail={d} zone={zone} />}
      {period && <RecordsTable key={`${period.year}-${period.month}`} agreementId={agreementId} period={period} zone={zone} />}
    </section>
  );
}

function PeriodView({ detail, zone }: { detail: PeriodDetail; zone: string }) {
  const signature = `${detail.period.start}|${detail.records}|${String(detail.total.B)}|${detail.exceededAt}|${detail.curve.length}|${String(detail.maxBytesInBillingPeriod)}`;
  // Recompute (and redraw) only when the period's numbers changed, not on every poll.
  const chart = useMemo(() => prepareChartData(detail.curve, detail.maxBytesInBillingPeriod, detail.exceededAt, detail.period), [signature]);
  return (
    <>
      <p data-testid="period-bounds">
        {formatYearMonth(detail.period)}: from <strong>{formatInZone(detail.period.start, zone)}</strong> to{' '}
        <strong>{formatInZone(detail.period.end, zone)}</strong> ({zone}) · {detail.records} record{detail.records === 1 ? '' : 's'}
        {detail.exceededAt ? (
          <>
            {' '}
            · plan exceeded at <strong data-testid="exceeded-at">{formatInZone(detail.exceededAt, zone)}</strong>
          </>
        ) : (
          ' · plan not exceeded'
        )}
      </p>
      <div className="totals">
        {UNITS.map((u) => (
          <div key={u} className="total">
            <span className="value" data-testid={`total-${u}`} data-value={String(detail.total[u])}>
              {String(detail.total[u])} {u}
            </span>
          </div>
        ))}
      </div>
      <UsageChart data={chart} plan={detail.maxBytesInBillingPeriod} exceededAt={detail.exceededAt} zone={zone} />
    </>
  );
}

interface RecordsPage {
  rows: DataRecord[];
  next: string | null;
}

function parseRecordsPage(body: unknown, headers: Headers): RecordsPage {
  if (!Array.isArray(body)) throw new BadAnswerError('the data records answer is not a list');
  return { rows: body as DataRecord[], next: headers.get('X-Next-Page-State') };
}

function RecordsTable({ agreementId, period, zone }: { agreementId: string; period: YearMonth; zone: string }) {
  const [paging, setPaging] = useState<TokenPaging>(firstTokenPage);
  const { data, error, loading, reload } = useApi(recordsApiPath(agreementId, period.year, period.month, RECORDS_PAGE, currentToken(paging)), parseRecordsPage, {
    keepPrevious: true,
  });
  const pageNo = paging.index + 1;
  return (
    <div className="records">
      <div className="toolbar">
        <h2>Records (newest first)</h2>
        <button type="button" onClick={reload}>
          reload
        </button>
        {loading && <span className="muted">loading…</span>}
      </div>
      {error && <ErrorMessage title="Records" message={error} />}
      {data && (
        <>
          <table className="grid">
            <thead>
              <tr>
                <th>recorded at ({zone})</th>
                <th>recorded at (UTC)</th>
                <th>internal record id</th>
                <th className="num">bytes</th>
                <th className="num"></th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((r) => (
                <tr key={`${r.key.recordedAt}|${r.key.internalRecordId}`} data-testid="record-row" data-recorded-at={r.key.recordedAt}>
                  <td>{formatInZone(r.key.recordedAt, zone)}</td>
                  <td className="mono">{r.key.recordedAt}</td>
                  <td className="mono">{r.key.internalRecordId}</td>
                  <td className="num mono">{String(r.recordedBytes)}</td>
                  <td className="num muted">{formatBytes(r.recordedBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.rows.length === 0 && <p className="muted">No records in {formatYearMonth(period)}.</p>}
          <div className="pager">
            <button type="button" disabled={loading || paging.index === 0} onClick={() => setPaging(tokenPrev(paging))} data-testid="records-prev">
              ← newer
            </button>
            <span>page {pageNo}</span>
            <button type="button" disabled={loading || !data.next} onClick={() => setPaging(tokenNext(answered(paging, data.next)))} data-testid="records-next">
              older →
            </button>
          </div>
        </>
      )}
    </div>
  );
}
