import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { formatBytes } from '../lib/bytes';
import { byteAxisSplits, type ChartData } from '../lib/chart-data';
import type { ExactInt } from '../lib/exact-json';
import { formatInZone } from '../lib/period';

const HEIGHT = 320;

function tickBytes(values: number[]): string[] {
  return values.map((v) => formatBytes(BigInt(Math.round(v))));
}

/**
 * Cumulative usage through the period (uPlot, canvas). The plan is drawn as a horizontal
 * line across the whole period and the exceed moment as a marked point with a vertical
 * line, both in a draw hook; the hook also sets data-plan-line / data-exceeded-at on the
 * container, so a test sees what was actually drawn. Times on the axis are in the
 * agreement's zone (uPlot.tzDate).
 */
export function UsageChart({ data, plan, exceededAt, zone }: { data: ChartData; plan: ExactInt; exceededAt: string | null; zone: string }) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    delete el.dataset['planLine'];
    delete el.dataset['exceededAt'];
    const css = getComputedStyle(el);
    const color = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
    const usageColor = color('--chart-usage', '#2563eb');
    const planColor = color('--chart-plan', '#d97706');
    const exceedColor = color('--chart-exceed', '#dc2626');
    const axisColor = color('--fg-muted', '#666');

    let tzDate: (ts: number) => Date;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      tzDate = (ts) => uPlot.tzDate(new Date(ts * 1000), zone);
    } catch {
      tzDate = (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');
    }

    const drawOverlay = (u: uPlot) => {
      const { ctx } = u;
      const { left, top, width, height } = u.bbox;
      ctx.save();
      ctx.beginPath();
      ctx.rect(left, top, width, height);
      ctx.clip();
      if (data.plan > 0) {
        const y = Math.round(u.valToPos(data.plan, 'y', true));
        ctx.strokeStyle = planColor;
        ctx.lineWidth = 2 * uPlot.pxRatio;
        ctx.setLineDash([8 * uPlot.pxRatio, 5 * uPlot.pxRatio]);
        ctx.beginPath();
        ctx.moveTo(left, y);
        ctx.lineTo(left + width, y);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = planColor;
        ctx.font = `${12 * uPlot.pxRatio}px system-ui, sans-serif`;
        // uPlot leaves the axes' alignment (right, middle) on the context.
        ctx.textAlign = 'left';
        ctx.textBaseline = 'alphabetic';
        // The label above the line, or below it when the line is at the top of the plot.
        const labelY = y - top > 20 * uPlot.pxRatio ? y - 6 * uPlot.pxRatio : y + 16 * uPlot.pxRatio;
        ctx.fillText(`plan ${formatBytes(plan)}`, left + 6 * uPlot.pxRatio, labelY);
        el.dataset['planLine'] = 'true';
      }
      const i = data.exceededIndex;
      const x = i === null ? undefined : data.xs[i];
      if (x !== undefined && exceededAt !== null) {
        const px = Math.round(u.valToPos(x, 'x', true));
        ctx.strokeStyle = exceedColor;
        ctx.lineWidth = 1 * uPlot.pxRatio;
        ctx.setLineDash([3 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
        ctx.beginPath();
        ctx.moveTo(px, top);
        ctx.lineTo(px, top + height);
        ctx.stroke();
        el.dataset['exceededAt'] = exceededAt;
      }
      ctx.restore();
    };

    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: HEIGHT,
      tzDate,
      scales: {
        x: { time: true, range: () => [data.xMin, data.xMax] },
        y: { range: () => [0, data.yMax] },
      },
      axes: [
        { stroke: axisColor },
        { stroke: axisColor, size: 80, splits: () => byteAxisSplits(data.yMax), values: (_u, splits) => tickBytes(splits) },
      ],
      series: [
        { value: (_u, v) => (v === null ? '—' : formatInZone(new Date(v * 1000).toISOString(), zone)) },
        {
          label: 'cumulative usage',
          stroke: usageColor,
          width: 2,
          fill: 'rgba(37, 99, 235, 0.08)',
          paths: uPlot.paths.stepped?.({ align: 1 }),
          points: { show: false },
          value: (_u, v) => (v === null ? '—' : formatBytes(BigInt(Math.round(v)))),
        },
        {
          label: 'exceeded',
          stroke: exceedColor,
          fill: exceedColor,
          paths: () => null,
          points: { show: true, size: 12, stroke: exceedColor, fill: exceedColor, width: 2 },
          value: (_u, v) => (v === null ? '—' : formatBytes(BigInt(Math.round(v)))),
        },
      ],
      hooks: { draw: [drawOverlay] },
    };
    const plot = new uPlot(opts, [data.xs, data.cumulative, data.marker], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(320, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, plan, exceededAt, zone]);

  return (
    <div className="chart">
      <div ref={container} data-testid="usage-chart" />
      <p className="muted legend">
        <span className="key usage" /> cumulative usage <span className="key plan" /> plan {formatBytes(plan)}
        {exceededAt && (
          <>
            {' '}
            <span className="key exceed" /> exceeded at {formatInZone(exceededAt, zone)}
          </>
        )}
      </p>
    </div>
  );
}
