import { useState } from 'preact/hooks';
import { type BytesView, letterDetail } from '../../contracts.js';
import { get } from '../api.js';
import { useLive } from '../live.js';
import { ErrorAlert } from '../parts.js';
import { RedrivePanel } from '../redrive.js';

const FORMATS = { text: 'Text', hex: 'Hex', json: 'JSON' } as const;
type Format = keyof typeof FORMATS;
const isFormat = (value: string): value is Format => Object.hasOwn(FORMATS, value);

function Bytes({ view, format }: { view: BytesView | undefined; format: Format }) {
  if (!view) return <em>none</em>;
  const shown = format === 'json' ? (view.json ?? '(not JSON)') : view[format];
  return (
    <pre class="bytes">
      <code>{shown}</code>
    </pre>
  );
}

/** One letter: where it came from, why, which function, its outbox, and its record's bytes. */
export function LetterPage({ id }: { id: string }) {
  const { data, error, reload } = useLive(
    () => get(`/api/dead-letters/${encodeURIComponent(id)}`, letterDetail),
    id,
  );
  const [format, setFormat] = useState<Format>('text');
  return (
    <>
      <h1>Dead letter {id}</h1>
      <p>
        <a href="#/dead-letters">All dead letters</a>
      </p>
      <ErrorAlert error={error} />
      {data && (
        <>
          <dl class="facts">
            <dt>Came from</dt>
            <dd>
              {data.origin
                ? `${data.origin.topic}, partition ${data.origin.partition}, offset ${data.origin.offset}, at ${data.origin.timestamp}`
                : 'unreadable: the letter holds no record'}
            </dd>
            <dt>Why</dt>
            <dd>
              {data.condition}: {data.errorClass} — {data.errorMessage}
            </dd>
            <dt>Attempts</dt>
            <dd>{data.attempts ?? 'not recorded'}</dd>
            <dt>Function</dt>
            <dd>{data.functionName}</dd>
            <dt>Dead-lettered</dt>
            <dd>{data.timestamp}</dd>
            <dt>Committed outbox</dt>
            <dd>
              {data.committedOutbox
                ? `${data.committedOutbox.messages} messages${data.committedOutbox.republished ? ', already republished' : ': a redrive publishes them'}`
                : 'none'}
            </dd>
            <dt>Redriven</dt>
            <dd>{data.redriven ? 'yes (see the audit trail)' : 'no'}</dd>
          </dl>
          {data.payloadOmitted && <p>The value was left out to fit the topic: {data.payloadOmitted}.</p>}
          {data.record && (
            <section aria-labelledby="record-heading">
              <h2 id="record-heading">Record</h2>
              <label>
                Show bytes as{' '}
                <select
                  value={format}
                  onChange={(event) => {
                    const chosen = event.currentTarget.value;
                    if (isFormat(chosen)) setFormat(chosen);
                  }}
                >
                  {Object.entries(FORMATS).map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </select>
              </label>
              <h3>Key</h3>
              <Bytes view={data.record.key} format={format} />
              <h3>Headers</h3>
              {data.record.headers.length === 0 ? (
                <p>none</p>
              ) : (
                <table>
                  <caption>Headers, in order</caption>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Value</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.record.headers.map((header, index) => (
                      <tr key={index}>
                        <td class="mono">{header.name}</td>
                        <td>
                          <Bytes view={header.value} format={format} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <h3>Value</h3>
              <Bytes view={data.record.value} format={format} />
            </section>
          )}
          <RedrivePanel ids={[id]} label="this letter" onSent={reload} />
        </>
      )}
    </>
  );
}
