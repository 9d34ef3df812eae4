import picomatch from 'picomatch';

/**
 * Names that are never a finished data-record file by default: partial downloads and
 * editor backups (`*.part`, `*.tmp`, `*.crdownload`, `*~`), hidden files (`.*`) and
 * files still being written before their rename (`tmp*`, as the generator does).
 */
export const DEFAULT_EXCLUDE = ['.*', 'tmp*', '*.part', '*.tmp', '*.crdownload', '*~'] as const;

/**
 * Splits a comma-separated list of globs: blanks around items and empty items are
 * dropped, and a comma inside braces or brackets is part of its glob (`*.{csv,txt}`).
 */
export function parseGlobList(text: string): string[] {
  const globs: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[++i]!;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && depth > 0) depth--;
    if (c === ',' && depth === 0) {
      globs.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  globs.push(current);
  return globs.map((g) => g.trim()).filter((g) => g.length > 0);
}

/** Why a glob cannot be a file-name pattern, or undefined when it can. */
export function globProblem(glob: string): string | undefined {
  if (glob.includes('/')) return `"${glob}": a pattern matches file names only, without "/"`;
  try {
    picomatch.makeRe(glob, { dot: true, strictBrackets: true });
  } catch (err) {
    return `"${glob}": ${(err as Error).message}`;
  }
  return undefined;
}

/**
 * Which file names are imported: those matching one of `include` and none of `exclude`
 * (picomatch globs, matched against the name only; `*` also matches names that start
 * with a dot, so hidden files are left out by `exclude`, not by accident).
 */
export function nameFilter(include: readonly string[], exclude: readonly string[]): (name: string) => boolean {
  const opts = { dot: true };
  const included = include.length > 0 ? picomatch([...include], opts) : () => false;
  const excluded = exclude.length > 0 ? picomatch([...exclude], opts) : () => false;
  return (name) => included(name) && !excluded(name);
}
