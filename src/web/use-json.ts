/** `GET path` parsed, again whenever `path` changes (or `reload` is called); the older answer is dropped. */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api';

export const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export type JsonAnswer<T> = { path: string; value: T } | { path: string; error: string };

export function useJson<T>(path: string | null, parse: (json: unknown) => T, onError: (error: unknown) => void) {
  const [answer, setAnswer] = useState<JsonAnswer<T> | null>(null);
  const [again, setAgain] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a change of `again` (Refresh) asks once more.
  useEffect(() => {
    if (path === null) return;
    const stop = new AbortController();
    getJson(path, stop.signal)
      .then((json) => setAnswer({ path, value: parse(json) }))
      .catch((error: unknown) => {
        if (stop.signal.aborted) return;
        onError(error);
        setAnswer({ path, error: message(error) });
      });
    return () => stop.abort();
  }, [path, again, parse, onError]);
  const current = answer?.path === path ? answer : null;
  return { answer: current, reload: () => setAgain((n) => n + 1) };
}
