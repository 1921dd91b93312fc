import { useEffect, useState } from 'preact/hooks';

/** How often a page asks again, so that new dead letters show without a reload. */
export const REFRESH_MS = 3_000;

/**
 * What `load` answers, asked again every `refreshMs` and whenever `key` changes; the last error
 * instead while it fails.
 *
 * @param refreshMs - how often to ask again; a costly answer (a table scan on a stage) asks less often
 * @default refreshMs {@link REFRESH_MS}
 */
export function useLive<T>(
  load: () => Promise<T>,
  key: string,
  refreshMs: number = REFRESH_MS,
): { data: T | undefined; error: string | undefined; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  // `load` is a new closure each render: `key` (and a reload) say when it asks for something else.
  useEffect(() => {
    let active = true;
    const ask = () =>
      load().then(
        (value) => {
          if (active) {
            setData(value);
            setError(undefined);
          }
        },
        (failure: unknown) => {
          if (active) setError(failure instanceof Error ? failure.message : String(failure));
        },
      );
    void ask();
    const timer = setInterval(() => void ask(), refreshMs);
    return () => {
      active = false;
      clearInterval(timer);
    };
  }, [key, tick, refreshMs]);
  return { data, error, reload: () => setTick((value) => value + 1) };
}
