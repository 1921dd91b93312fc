import { orderPage } from '../../contracts.js';
import { get } from '../api.js';
import { useLive } from '../live.js';
import { ErrorAlert, FindByOrderId } from '../parts.js';

/** Search an order by its id. */
export function OrderSearch() {
  return <FindByOrderId title="Orders" what="order" route="orders" />;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** An order's event stream, its state at any version (time travel), and the read model's view. */
export function OrderPage({ orderId, version }: { orderId: string; version: number | undefined }) {
  const path = `/api/orders/${encodeURIComponent(orderId)}${version === undefined ? '' : `?version=${version}`}`;
  const { data, error } = useLive(() => get(path, orderPage), path);
  return (
    <>
      <h1>Order {orderId}</h1>
      <p>
        <a href="#/orders">Find another order</a> ·{' '}
        <a href={`#/sagas/${encodeURIComponent(orderId)}`}>Its saga</a>
      </p>
      <ErrorAlert error={error} />
      {data && (
        <>
          <table>
            <caption>Event stream</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Event</th>
                <th scope="col">Occurred</th>
                <th scope="col">Schema</th>
                <th scope="col">Time travel</th>
              </tr>
            </thead>
            <tbody>
              {data.events.map((event) => (
                <tr key={event.streamVersion}>
                  <td>{event.streamVersion}</td>
                  <td>{event.type}</td>
                  <td>{event.occurredAt}</td>
                  <td>
                    v{event.version}
                    {event.upcastFrom === undefined ? '' : ` (upcast from v${event.upcastFrom})`}
                  </td>
                  <td>
                    <a href={`#/orders/${encodeURIComponent(orderId)}?version=${event.streamVersion}`}>
                      State at version {event.streamVersion}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="groups">
            {data.asOf && (
              <section aria-labelledby="as-of-heading">
                <h2 id="as-of-heading">At version {data.asOf.version}</h2>
                <pre class="bytes" data-testid="state-as-of">
                  <code>{json(data.asOf.state)}</code>
                </pre>
              </section>
            )}
            <section aria-labelledby="now-heading">
              <h2 id="now-heading">Now (version {data.version})</h2>
              <pre class="bytes">
                <code>{json(data.state)}</code>
              </pre>
            </section>
            <section aria-labelledby="view-heading">
              <h2 id="view-heading">Read model view</h2>
              <pre class="bytes">
                <code>{data.view ? json(data.view) : 'not projected yet'}</code>
              </pre>
            </section>
          </div>
        </>
      )}
    </>
  );
}
