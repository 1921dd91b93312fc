import { SAGA_CAUSES, SAGA_STATES } from '../../../../lib/domain/saga-names.js';
import { sagaList, sagaPage } from '../../contracts.js';
import { get } from '../api.js';
import { useLive } from '../live.js';
import { ErrorAlert, FindByOrderId, filterHash } from '../parts.js';

/** A list reads the sagas table (a Scan): asked again less often than the other pages. */
const LIST_REFRESH_MS = 30_000;

function Choice({
  name,
  label,
  options,
  value,
}: {
  name: string;
  label: string;
  options: object;
  value: string;
}) {
  return (
    <label>
      {label}
      <select name={name} defaultValue={value}>
        <option value="">any</option>
        {Object.values(options).map((option: string) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Find a saga by its order id, or list them by state, cause and age, oldest first. */
export function SagaSearch({ query }: { query: string }) {
  const params = new URLSearchParams(query);
  const { data, error } = useLive(() => get(`/api/sagas?${query}`, sagaList), query, LIST_REFRESH_MS);
  const next = data?.next
    ? new URLSearchParams({ ...Object.fromEntries(params), cursor: data.next })
    : undefined;
  return (
    <>
      <FindByOrderId title="Sagas" what="saga" route="sagas" />
      <form
        class="filters"
        aria-label="List sagas"
        onSubmit={(event) => {
          event.preventDefault();
          location.hash = filterHash(event.currentTarget, 'sagas');
        }}
      >
        <Choice name="state" label="State" options={SAGA_STATES} value={params.get('state') ?? ''} />
        <Choice name="cause" label="Cause" options={SAGA_CAUSES} value={params.get('cause') ?? ''} />
        <label>
          Started more than (minutes ago)
          <input
            name="olderThanMinutes"
            type="number"
            min="0"
            defaultValue={params.get('olderThanMinutes') ?? ''}
          />
        </label>
        <label>
          <input
            name="overdue"
            type="checkbox"
            value="true"
            defaultChecked={params.get('overdue') === 'true'}
          />{' '}
          Past their deadline only
        </label>
        <button type="submit">List sagas</button>
      </form>
      <ErrorAlert error={error} />
      {data && (
        <table>
          <caption>
            {data.sagas.length} sagas, oldest first ({data.scanned} items read)
          </caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">State</th>
              <th scope="col">Cause</th>
              <th scope="col">Started</th>
              <th scope="col">Last moved</th>
              <th scope="col">Deadline</th>
            </tr>
          </thead>
          <tbody>
            {data.sagas.map((saga) => (
              <tr key={saga.orderId} data-testid={`saga-${saga.orderId}`}>
                <td>
                  <a href={`#/sagas/${encodeURIComponent(saga.orderId)}`}>{saga.orderId}</a>
                </td>
                <td>{saga.state}</td>
                <td>{saga.cause ?? ''}</td>
                <td>{saga.startedAt}</td>
                <td>{saga.updatedAt}</td>
                <td class={saga.overdue ? 'overdue' : undefined}>
                  {saga.deadlineAt ?? ''}
                  {saga.overdue ? ' — past' : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && <a href={`#/sagas?${next}`}>Next page</a>}
    </>
  );
}

/** One saga: where it is and why, its deadline, what it waits for, and every transition. */
export function SagaPage({ orderId }: { orderId: string }) {
  const { data, error } = useLive(() => get(`/api/sagas/${encodeURIComponent(orderId)}`, sagaPage), orderId);
  return (
    <>
      <h1>Saga {orderId}</h1>
      <p>
        <a href="#/sagas">Find another saga</a> ·{' '}
        <a href={`#/orders/${encodeURIComponent(orderId)}`}>Its order</a>
      </p>
      <ErrorAlert error={error} />
      {data && (
        <>
          <dl class="facts">
            <dt>State</dt>
            <dd>
              {data.state}
              {data.cause ? ` (${data.cause})` : ''} — {data.outcome}
            </dd>
            <dt>Deadline</dt>
            <dd class={data.overdue ? 'overdue' : undefined}>
              {data.deadlineAt ?? 'none (finished)'}
              {data.overdue ? ' — past its deadline' : ''}
            </dd>
            <dt>Waiting for</dt>
            <dd>{data.pending.length > 0 ? data.pending.join(', ') : 'nothing'}</dd>
            <dt>Started, last moved</dt>
            <dd>
              {data.startedAt}, {data.updatedAt}
            </dd>
          </dl>
          <table>
            <caption>Timeline</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">At</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">On</th>
                <th scope="col">Sent</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {data.timeline.map((entry) => (
                <tr key={entry.version}>
                  <td>{entry.version}</td>
                  <td>{entry.at}</td>
                  <td>{entry.from}</td>
                  <td>{entry.to}</td>
                  <td>{entry.trigger}</td>
                  <td>{entry.sent.join(', ')}</td>
                  <td>{entry.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>As npm run saga prints it</h2>
          <pre class="bytes">
            <code>{data.report}</code>
          </pre>
        </>
      )}
    </>
  );
}
