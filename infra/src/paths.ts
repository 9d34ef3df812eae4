import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

/** Repository root (this file lives in infra/src). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Git-ignored home of the local servers' data, logs, pid files and resolved classpaths. */
export const infraHome = process.env.MOBILECS_INFRA_DIR
  ? resolve(process.env.MOBILECS_INFRA_DIR)
  : join(repoRoot, '.infra');
