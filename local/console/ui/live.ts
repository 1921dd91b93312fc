import { useEffect, useState } from 'preact/hooks';

/** How often a page asks again, so that new dead letters show without a reload. */
export const REFRESH_MS = 3_000;

/**
 * What `load` answers, asked again every {@link REFRESH_MS} and whenever `key` changes; the last error
 * instead while it fails.
 */
export function useLive<T>(
  load: () => Promise<T>,
  key: string,
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
    const timer = setInterval(() => void ask(), REFRESH_MS);
    return () => {
      active = false;
      clearInterval(timer);
    };
  }, [key, tick]);
  return { data, error, reload: () => setTick((value) => value + 1) };
}
