// Loading (and optionally polling) one API resource: every request has its timeout (api.ts),
// a failure becomes a message while the last good data stays shown, and the next poll tries
// again — the page never waits on a spinner without end.
import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError, getJson, isAbort } from './lib/api';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  updatedAt: Date | null;
  reload: () => void;
}

export interface LoadOptions {
  /** Poll every this many ms after each answer (null: load once). */
  pollMs?: number | null;
  /** Keep the previous path's data while the new path loads (paging, sorting). */
  keepPrevious?: boolean;
}

export function useApi<T>(path: string | null, parse: (body: unknown, headers: Headers) => T, options: LoadOptions = {}): Loaded<T> {
  const { pollMs = null, keepPrevious = false } = options;
  const [state, setState] = useState<Omit<Loaded<T>, 'reload'>>({ data: null, error: null, loading: path !== null, updatedAt: null });
  const [generation, setGeneration] = useState(0);
  const parseRef = useRef(parse);
  parseRef.current = parse;

  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState((s) => ({ data: keepPrevious ? s.data : null, error: keepPrevious ? s.error : null, loading: true, updatedAt: keepPrevious ? s.updatedAt : null }));

    const load = async () => {
      try {
        const answer = await getJson(path, { signal: controller.signal });
        const data = parseRef.current(answer.body, answer.headers);
        if (!controller.signal.aborted) setState({ data, error: null, loading: false, updatedAt: new Date() });
      } catch (err) {
        if (isAbort(err) || controller.signal.aborted) return;
        setState((s) => ({ ...s, error: describeError(err), loading: false }));
      }
      if (pollMs !== null && !controller.signal.aborted) timer = setTimeout(() => void load(), pollMs);
    };
    void load();
    return () => {
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [path, pollMs, keepPrevious, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}

/** Navigate within the page (hash routes). `replace` keeps the history entry (a default filled in). */
export function navigate(hash: string, replace = false): void {
  if (replace) window.location.replace(hash);
  else window.location.hash = hash;
}
