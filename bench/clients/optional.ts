// The candidate clients are not project dependencies (neither is in package.json: one
// needs GitHub or a native build on `npm ci`, the other fails the restart check, also on
// Node 24; see the README). install-candidates.sh puts them into bench/clients/.deps
// (ignored by git); they are loaded from there, or from node_modules if someone installed
// them there.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const depsDir = join(dirname(fileURLToPath(import.meta.url)), '.deps');

export interface LoadedPackage<T> {
  module: T;
  version: string;
  from: string;
}

/** Imports `pkg` (ES module or CommonJS), or returns undefined when it is not installed. */
export async function loadOptional<T>(pkg: string): Promise<LoadedPackage<T> | undefined> {
  const bases = [join(depsDir, 'package.json'), fileURLToPath(import.meta.url)];
  for (const base of bases) {
    let entry: string;
    try {
      entry = createRequire(base).resolve(pkg);
    } catch {
      continue; // not installed there
    }
    // The package's own package.json: walk up from its entry point.
    let dir = dirname(entry);
    while (!existsSync(join(dir, 'package.json')) || (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== pkg) {
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; type?: string };
    const imported = (await import(pathToFileURL(entry).href)) as T & { default?: T };
    // A CommonJS package arrives as the default export of the namespace.
    const esm = meta.type === 'module' || entry.endsWith('.mjs');
    const module = esm || imported.default === undefined ? imported : imported.default;
    const version = meta.version;
    return { module, version, from: dir };
  }
  return undefined;
}
