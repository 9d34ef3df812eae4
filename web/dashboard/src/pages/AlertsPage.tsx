import { useEffect, useRef, useState } from 'react';
import { AlertTypeBadge } from '../components/Badges';
import { ErrorMessage } from '../components/ErrorMessage';
import { mergeAlerts, parseAlertEvent, parseAlertList, type StreamState, streamStateLabel } from '../lib/alerts';
import { describeError, getJson, isAbort, probe } from '../lib/api';
import { formatBytes } from '../lib/bytes';
import { formatInZone, formatYearMonth } from '../lib/period';
import { detailHref } from '../lib/route';
import type { Alert } from '../lib/types';

const LIST_LIMIT = 200;
/** After the stream is closed for good (e.g. a 503 instead of an event stream), open it again after this. */
const RECONNECT_MS = 3_000;

/**
 * The stream is opened first and the list read after it, so an alert committed in between
 * is in one or the other (or both: merged by id). The browser's EventSource reconnects by
 * itself with Last-Event-ID (the server resumes after it); when it gives up (readyState
 * CLOSED) we open a new one with ?after=<last id seen> and read the list again.
 */
export function AlertsPage() {
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [stream, setStream] = useState<StreamState>('connecting');
  const [retryIn, setRetryIn] = useState<number | undefined>(undefined);
  const [listError, setListError] = useState<string | null>(null);
  const [eventError, setEventError] = useState<string | null>(null);
  const [streamError, setStreamError] = useState<string | null>(null);
  const [loadedList, setLoadedList] = useState(false);
  const lastId = useRef<string | null>(null);

  useEffect(() => {
    let source: EventSource | null = null;
    let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
    let countdown: ReturnType<typeof setInterval> | undefined;
    let listController: AbortController | null = null;
    let stopped = false;

    const loadList = async () => {
      listController?.abort();
      const controller = new AbortController();
      listController = controller;
      try {
        const answer = await getJson(`/api/alerts?limit=${LIST_LIMIT}`, { signal: controller.signal });
        const list = parseAlertList(answer.body);
        if (stopped) return;
        setAlerts((current) => mergeAlerts(current, list));
        setListError(null);
      } catch (err) {
        if (isAbort(err) || stopped) return;
        setListError(describeError(err));
      } finally {
        if (!stopped) setLoadedList(true);
      }
    };

    const open = () => {
      const after = lastId.current;
      source = new EventSource(after ? `/api/alerts/stream?after=${encodeURIComponent(after)}` : '/api/alerts/stream');
      setStream('connecting');
      setRetryIn(undefined);
      source.onopen = () => {
        setStream('live');
        setStreamError(null);
      };
      source.addEventListener('alert', (event: MessageEvent<string>) => {
        try {
          const alert = parseAlertEvent(event.data);
          lastId.current = event.lastEventId || alert.id;
          setAlerts((current) => mergeAlerts(current, [alert]));
          setEventError(null);
        } catch (err) {
          // A bad event is shown and skipped; the feed goes on.
          setEventError(`an alert event could not be read: ${describeError(err)}`);
        }
      });
      source.onerror = () => {
        if (stopped || !source) return;
        if (source.readyState === EventSource.CONNECTING) {
          setStream('reconnecting');
          return;
        }
        // CLOSED: the browser will not retry (the server answered without an event stream).
        source.close();
        setStream('closed');
        // EventSource does not say why; asking the URL once more does (status, code, message).
        void probe('/api/alerts/stream').then(
          (err) => !stopped && setStreamError(err ? err.describe() : null),
          () => undefined,
        );
        let seconds = Math.round(RECONNECT_MS / 1000);
        setRetryIn(seconds);
        countdown = setInterval(() => setRetryIn(--seconds > 0 ? seconds : 0), 1000);
        reconnectTimer = setTimeout(() => {
          clearInterval(countdown);
          open();
          void loadList();
        }, RECONNECT_MS);
      };
    };

    open();
    void loadList();
    return () => {
      stopped = true;
      source?.close();
      listController?.abort();
      clearTimeout(reconnectTimer);
      clearInterval(countdown);
    };
  }, []);

  return (
    <section>
      <div className="toolbar">
        <h1>Alerts</h1>
        <span className={`conn conn-${stream}`} data-testid="alerts-connection" data-state={stream}>
          ● {streamStateLabel(stream, retryIn)}
        </span>
        <span className="muted">{alerts.length} shown, newest first</span>
      </div>
      {listError && <ErrorMessage title="Could not load the recent alerts" message={listError} />}
      {eventError && <ErrorMessage message={eventError} />}
      {stream === 'closed' && (
        <ErrorMessage message={`The alert stream is disconnected (/api/alerts/stream${streamError ? `: ${streamError}` : ''}); ${streamStateLabel(stream, retryIn)}.`} />
      )}
      {alerts.length === 0 && loadedList && !listError && <p className="muted">No alerts yet. They appear here as the ingester commits them.</p>}
      <ol className="alerts">
        {alerts.map((a) => (
          <AlertItem key={a.id} alert={a} />
        ))}
      </ol>
    </section>
  );
}

function AlertItem({ alert }: { alert: Alert }) {
  const m = alert.message;
  const zone = m.billingPeriodTimeZone ?? 'UTC';
  const period = { year: m.year, month: m.month };
  return (
    <li className="alert" data-testid="alert-item" data-type={m.type} data-agreement-id={m.agreementId} data-alert-id={alert.id}>
      <div className="alert-head">
        <AlertTypeBadge type={m.type} />
        <a className="mono" href={detailHref(m.agreementId, period)}>
          {m.agreementId}
        </a>
        <span>period {formatYearMonth(period)}</span>
      </div>
      <div className="alert-body">
        <span title={`${String(m.totalRecordedBytes)} B`}>used {formatBytes(m.totalRecordedBytes)}</span>
        <span title={`${String(m.maxBytesInBillingPeriod)} B`}>of plan {formatBytes(m.maxBytesInBillingPeriod)}</span>
        {m.latestRecordedAt && <span>latest record {formatInZone(m.latestRecordedAt, zone)}</span>}
        <span className="muted" title={`partition:offset ${alert.id}`}>
          received {new Date(alert.receivedAt).toLocaleString()} · {alert.id}
        </span>
      </div>
    </li>
  );
}
