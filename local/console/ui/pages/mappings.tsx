import { mappingList } from '../../contracts.js';
import { get } from '../api.js';
import { useLive } from '../live.js';
import { ErrorAlert } from '../parts.js';

/** Each event source mapping: its consumer group's lag per partition, its counters, its dead letters. */
export function MappingsPage() {
  const { data, error } = useLive(() => get('/api/mappings', mappingList), 'mappings');
  return (
    <>
      <h1>Mappings</h1>
      <ErrorAlert error={error} />
      {data && data.mappings.length === 0 && <p>No event source mapping is known to this console.</p>}
      {data && data.mappings.length > 0 && (
        <table>
          <caption>Event source mappings and their lag</caption>
          <thead>
            <tr>
              <th scope="col">Function</th>
              <th scope="col">Topic</th>
              <th scope="col">Consumer group</th>
              <th scope="col">Lag</th>
              <th scope="col">Per partition (committed / end)</th>
              <th scope="col">Invocations</th>
              <th scope="col">Retries</th>
              <th scope="col">To on-failure destination</th>
              <th scope="col">Dead letters</th>
            </tr>
          </thead>
          <tbody>
            {data.mappings.map((mapping) => (
              <tr key={mapping.consumerGroupId} data-testid={`mapping-${mapping.functionKey}`}>
                <td>
                  {mapping.functionKey}
                  {mapping.enabled ? '' : ' (disabled)'}
                </td>
                <td>{mapping.topic}</td>
                <td class="mono">{mapping.consumerGroupId}</td>
                <td data-testid="lag">{mapping.lag}</td>
                <td>
                  {mapping.partitions
                    .map(
                      (partition) =>
                        `${partition.partition}: ${partition.committed ?? '–'} / ${partition.end}`,
                    )
                    .join(', ')}
                </td>
                <td>{mapping.invocations ?? ''}</td>
                <td>{mapping.retries ?? ''}</td>
                <td>{mapping.toDestination ?? ''}</td>
                <td>{mapping.deadLetters}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
