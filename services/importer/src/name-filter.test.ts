import { describe, expect, it } from 'vitest';
import { loadImporterConfig } from './config';
import { DEFAULT_EXCLUDE, globProblem, nameFilter, parseGlobList } from './name-filter';

describe('file names imported', () => {
  const byDefault = nameFilter(['*'], DEFAULT_EXCLUDE);

  it('by default ignores partial downloads, editor backups, hidden and tmp files', () => {
    for (const name of ['x.part', 'x.csv.part', 'y.tmp', 'z.crdownload', 'a.csv~', '.hidden', '.x.csv', 'tmp1', 'tmp_idr_000.csv', 'tmp']) {
      expect(byDefault(name), name).toBe(false);
    }
    for (const name of ['idr_000_2020-01-02_x.csv', 'data.txt', 'a', 'part', 'x.tmp.csv', 'my-tmp.csv', 'TMP1']) {
      expect(byDefault(name), name).toBe(true);
    }
  });

  it('honours include and exclude globs (braces, classes), exclude winning', () => {
    const f = nameFilter(parseGlobList(' *.csv , idr_*.{txt,dat} '), parseGlobList('*-draft.csv,[0-9]*'));
    expect(['a.csv', 'idr_1.txt', 'idr_1.dat'].filter(f)).toEqual(['a.csv', 'idr_1.txt', 'idr_1.dat']);
    expect(['a.txt', 'a-draft.csv', '1.csv', 'idr_1.csv.part'].filter(f)).toEqual([]);
    expect(nameFilter(['*'], [])('.hidden')).toBe(true);
    expect(nameFilter([], [])('a')).toBe(false);
  });

  it('refuses patterns with a path or broken syntax', () => {
    expect(globProblem('*.csv')).toBeUndefined();
    expect(globProblem('in/*.csv')).toMatch(/file names only/);
    expect(globProblem('[a-')).toMatch(/Missing closing/);
    expect(parseGlobList('a,, b ,')).toEqual(['a', 'b']);
    expect(parseGlobList('*.{csv,txt}, [a,b]*,x\\,y')).toEqual(['*.{csv,txt}', '[a,b]*', 'x\\,y']);
  });

  it('are configured by IMPORTER_INCLUDE / IMPORTER_EXCLUDE, checked at start-up with a clear message', () => {
    const defaults = loadImporterConfig({});
    expect(defaults.IMPORTER_INCLUDE).toEqual(['*']);
    expect(defaults.IMPORTER_EXCLUDE).toEqual([...DEFAULT_EXCLUDE]);
    expect(defaults.EVENT_TIME_FUTURE_TOLERANCE_MS).toBe(3_600_000);
    expect(loadImporterConfig({ IMPORTER_INCLUDE: '*.csv', IMPORTER_EXCLUDE: '' })).toMatchObject({ IMPORTER_INCLUDE: ['*.csv'], IMPORTER_EXCLUDE: [] });
    expect(() => loadImporterConfig({ IMPORTER_INCLUDE: ' , ', IMPORTER_EXCLUDE: 'a/b', EVENT_TIME_FUTURE_TOLERANCE_MS: '-1' })).toThrow(
      /IMPORTER_INCLUDE=" , ": at least one pattern[\s\S]*IMPORTER_EXCLUDE="a\/b": not a file-name glob[\s\S]*EVENT_TIME_FUTURE_TOLERANCE_MS="-1"/,
    );
  });
});
