import { useState } from 'preact/hooks';
import { letterList } from '../../contracts.js';
import { get } from '../api.js';
import { useLive } from '../live.js';
import { ErrorAlert, filterHash } from '../parts.js';
import { RedrivePanel } from '../redrive.js';

const FILTERS = [
  ['topic', 'Dead-letter topic'],
  ['source', 'Source topic'],
  ['error', 'Error class or condition'],
  ['function', 'Function'],
  ['text', 'Text in key or headers'],
] as const;

function Groups({ title, name, counts }: { title: string; name: string; counts: Record<string, number> }) {
  return (
    <table>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">{title.replace(/^By /, '')}</th>
          <th scope="col">Letters</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(counts)
          .sort(([, a], [, b]) => b - a)
          .map(([value, count]) => (
            <tr key={value}>
              <td>
                <a href={`#/dead-letters?${new URLSearchParams({ [name]: value })}`}>{value}</a>
              </td>
              <td>{count}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

/** Every `.dlq` topic's letters: grouped, over time, filtered, selected and redriven. */
export function DeadLettersPage({ query }: { query: string }) {
  const params = new URLSearchParams(query);
  const { data, error, reload } = useLive(() => get(`/api/dead-letters?${query}`, letterList), query);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setSelected((before) => {
      const after = new Set(before);
      if (!after.delete(id)) after.add(id);
      return after;
    });
  const peak = Math.max(1, ...(data?.histogram.map((bucket) => bucket.letters) ?? []));

  return (
    <>
      <h1>Dead letters</h1>
      <form
        class="filters"
        aria-label="Filter dead letters"
        onSubmit={(event) => {
          event.preventDefault();
          location.hash = filterHash(event.currentTarget, 'dead-letters');
        }}
      >
        {FILTERS.map(([name, label]) => (
          <label key={name}>
            {label}
            <input name={name} defaultValue={params.get(name) ?? ''} />
          </label>
        ))}
        <label>
          Since
          <input name="since" type="datetime-local" defaultValue={params.get('since') ?? ''} />
        </label>
        <label>
          Until
          <input name="until" type="datetime-local" defaultValue={params.get('until') ?? ''} />
        </label>
        <button type="submit">Filter</button>
        <a href="#/dead-letters">Clear</a>
      </form>
      <ErrorAlert error={error} />
      {data && (
        <>
          <p aria-live="polite">
            <strong>{data.total}</strong> letters match.
          </p>
          <div class="groups">
            <Groups title="By error class" name="error" counts={data.groups.error} />
            <Groups title="By source topic" name="source" counts={data.groups.source} />
            <Groups title="By function" name="function" counts={data.groups.function} />
            <table>
              <caption>Over time (per hour, UTC)</caption>
              <thead>
                <tr>
                  <th scope="col">Hour</th>
                  <th scope="col">Letters</th>
                </tr>
              </thead>
              <tbody>
                {data.histogram.map((bucket) => (
                  <tr key={bucket.hour}>
                    <td>{bucket.hour.replace('T', ' ')}</td>
                    <td>
                      <span
                        class="bar"
                        style={{ width: `${(bucket.letters / peak) * 8}em` }}
                        aria-hidden="true"
                      />{' '}
                      {bucket.letters}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <RedrivePanel
            ids={selected.size > 0 ? [...selected] : data.letters.map((letter) => letter.id)}
            label={selected.size > 0 ? `${selected.size} selected` : `all ${data.total} matching`}
            onSent={() => {
              setSelected(new Set());
              reload();
            }}
          />
          <table class="letters">
            <caption>Letters, newest last</caption>
            <thead>
              <tr>
                <th scope="col">Select</th>
                <th scope="col">Letter</th>
                <th scope="col">Error</th>
                <th scope="col">Source</th>
                <th scope="col">Function</th>
                <th scope="col">Dead-lettered</th>
                <th scope="col">Key</th>
                <th scope="col">Redriven</th>
              </tr>
            </thead>
            <tbody>
              {data.letters.map((letter) => (
                <tr key={letter.id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${letter.id}`}
                      checked={selected.has(letter.id)}
                      onChange={() => toggle(letter.id)}
                    />
                  </td>
                  <td>
                    <a href={`#/dead-letters/${encodeURIComponent(letter.id)}`}>{letter.id}</a>
                  </td>
                  <td>{letter.errorClass}</td>
                  <td>{letter.source ?? '(unreadable)'}</td>
                  <td>{letter.functionName}</td>
                  <td>{letter.timestamp}</td>
                  <td class="mono">{letter.key ?? ''}</td>
                  <td>{letter.redriven ? 'redriven' : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
