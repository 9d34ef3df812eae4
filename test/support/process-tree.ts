// A process and everything it started, read from /proc (Linux), to check that a
// command leaves no process behind. A pid is identified together with its start time,
// so a reused pid is not mistaken for a survivor.
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  startTicks: string;
  command: string;
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself contain spaces or ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined; // a zombie is gone, only not yet reaped
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, ppid: Number(fields[1]), startTicks: fields[19] ?? '', command };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProcess(Number(d)))
    .filter((p): p is ProcessInfo => p !== undefined);
}

/** The process `root` and all its descendants, alive now. */
export function processTree(root: number): ProcessInfo[] {
  const all = allProcesses();
  const tree: ProcessInfo[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift() as number;
    const p = all.find((x) => x.pid === pid);
    if (p) tree.push(p);
    for (const child of all.filter((x) => x.ppid === pid)) queue.push(child.pid);
  }
  return tree;
}

/** Those of `processes` that are still alive (same pid, same start time). */
export function survivors(processes: ProcessInfo[]): ProcessInfo[] {
  return processes.filter((p) => readProcess(p.pid)?.startTicks === p.startTicks);
}
