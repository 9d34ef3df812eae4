import { barWidth, formatPercent } from '../lib/bytes';
import type { SubscriberState } from '../lib/types';

const STATE_LABEL: Record<SubscriberState, string> = {
  'within-plan': 'within plan',
  exceeded: 'exceeded',
  closed: 'closed',
  'no-usage': 'no usage',
};

export function StateBadge({ state }: { state: SubscriberState }) {
  return <span className={`badge state-${state}`}>{STATE_LABEL[state] ?? state}</span>;
}

export function AlertTypeBadge({ type }: { type: string }) {
  const kind = type === 'DATA_PLAN_EXCEEDED' ? 'exceeded' : type === 'BILLING_PERIOD_CLOSED' ? 'closed' : 'other';
  return <span className={`badge alert-${kind}`}>{type}</span>;
}

export function PercentBar({ percent }: { percent: number | null }) {
  return (
    <div className={`bar${(percent ?? 0) >= 100 ? ' over' : ''}`} title={`${formatPercent(percent)} of plan`}>
      <div className="fill" style={{ width: `${barWidth(percent)}%` }} />
      <span className="label">{formatPercent(percent)}</span>
    </div>
  );
}
