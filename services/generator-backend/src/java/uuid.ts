import { createHash } from 'node:crypto';
import type { JavaRandom } from './random';

function format(b: Uint8Array): string {
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** UUID.nameUUIDFromBytes: MD5 of the bytes with version 3 and the IETF variant set. */
export function nameUuidFromBytes(bytes: Uint8Array): string {
  const md5 = createHash('md5').update(bytes).digest();
  md5[6] = ((md5[6] ?? 0) & 0x0f) | 0x30;
  md5[8] = ((md5[8] ?? 0) & 0x3f) | 0x80;
  return format(md5);
}

/** The original's UuidGenerator.nextUuid(random): nameUUIDFromBytes of 8 bytes from random.nextBytes. */
export function nextUuid(rnd: JavaRandom): string {
  const buffer = new Uint8Array(8);
  rnd.nextBytes(buffer);
  return nameUuidFromBytes(buffer);
}
