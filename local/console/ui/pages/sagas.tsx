import { sagaPage } from '../../contracts.js';
import { get } from '../api.js';
import { useLive } from '../live.js';
import { ErrorAlert, FindByOrderId } from '../parts.js';

/** Search a saga by its order id. */
export function SagaSearch() {
  return <FindByOrderId title="Sagas" what="saga" route="sagas" />;
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
