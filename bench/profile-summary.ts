// Summarises a V8 .cpuprofile (from `node --cpu-prof`, see MOBILECS_BENCH_CPU_PROF):
// self time per function and per package/area, and total (inclusive) time of the
// functions that matter most — what the README's profiling notes are read from.
//   npm run bench -- profile <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { repoRoot } from '../infra/src/paths';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a function lives: a package under node_modules, a workspace folder, or node's own code. */
function area(url: string): string {
  if (!url) return '(native/gc/idle)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const rel = relative(repoRoot, url.replace(/^file:\/\//, ''));
  const ws = /^(libs\/[^/]+|services\/[^/]+\/src\/[^/]+|bench|infra)/.exec(rel);
  return ws ? ws[1]! : rel;
}

export function summariseProfile(file: string, top = 25): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, v]) => a + v, 0);

  const key = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${area(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const selfByFn = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    selfByFn.set(key(n), (selfByFn.get(key(n)) ?? 0) + us);
    selfByArea.set(area(n.callFrame.url), (selfByArea.get(area(n.callFrame.url)) ?? 0) + us);
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const busy = total - idle;
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
  const list = (m: Map<string, number>, n: number) =>
    [...m]
      .filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(root)') && !k.startsWith('(program)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `${pct(us)}  ${k}`)
      .join('\n');
  return [
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(idle / 1e6).toFixed(1)} s idle, ${(busy / 1e6).toFixed(1)} s busy (percentages of busy)`,
    '', '-- self time by area --', list(selfByArea, 15),
    '', '-- self time by function --', list(selfByFn, top),
    '', '-- total (inclusive) time by function --', list(inclusive, top),
  ].join('\n');
}
