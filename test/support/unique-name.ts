import { randomBytes } from 'node:crypto';

/** A name no other test or benchmark run uses (topics, groups, keyspaces): runs stay independent. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`.replace(/-/g, '_').toLowerCase();
}
