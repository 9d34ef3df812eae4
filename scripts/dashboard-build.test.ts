import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardBuildReason } from './dashboard-build';

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-build-'));
  mkdirSync(join(dir, 'src', 'pages'), { recursive: true });
  writeFileSync(join(dir, 'src', 'pages', 'a.tsx'), '');
  writeFileSync(join(dir, 'index.html'), '');
  return dir;
}
const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

describe('dashboardBuildReason (npm start builds the dashboard when missing or stale)', () => {
  it('not built: build', () => {
    expect(dashboardBuildReason(workspace())).toBe('not built yet');
  });

  it('built after every source: nothing to do; a source file changed later, even deep in src/: build, naming it', () => {
    const dir = workspace();
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'index.html'), '');
    for (const p of ['src/pages/a.tsx', 'src/pages', 'src', 'index.html']) at(join(dir, p), 1000);
    at(join(dir, 'dist', 'index.html'), 2000);
    expect(dashboardBuildReason(dir)).toBeNull();
    at(join(dir, 'src', 'pages', 'a.tsx'), 3000);
    expect(dashboardBuildReason(dir)).toBe('changed since the last build: src');
  });
});
