// Installs dependencies on a fresh clone (or after the lockfile changed) so that
// `npm test`, `npm run infra:up` and friends work with nothing done by hand.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.package-lock.json');
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  console.log('[ensure-deps] installing dependencies with npm ci');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
