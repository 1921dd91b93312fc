import { type MappingStatus, mappingList } from '../../contracts.js';
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
              <th scope="col">Last invocation</th>
              <th scope="col">Invocations</th>
              <th scope="col">Retries</th>
              <th scope="col">To on-failure destination</th>
              <th scope="col">Dead letters (last hour)</th>
            </tr>
          </thead>
          <tbody>
            {data.mappings.map((mapping) => (
              <tr key={mapping.consumerGroupId} data-testid={`mapping-${mapping.functionKey}`}>
                <td>
                  {mapping.functionKey}
                  {mapping.enabled ? '' : ' (disabled)'}
                  {mapping.state && mapping.state !== 'Enabled' ? ` (${mapping.state})` : ''}
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
                <td data-testid="last-invocation">
                  {mapping.lastInvocation && <LastInvocation {...mapping.lastInvocation} />}
                </td>
                <td>{mapping.invocations ?? ''}</td>
                <td>{mapping.retries ?? ''}</td>
                <td>{mapping.toDestination ?? ''}</td>
                <td>
                  {mapping.deadLetters} ({mapping.deadLettersLastHour})
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const OUTCOMES = {
  ok: 'ok',
  partial: 'partial batch response',
  error: 'failed',
} as const;

/** How the latest invocation ended, how many records it had, and when. */
function LastInvocation(last: NonNullable<MappingStatus['lastInvocation']>) {
  return (
    <span class={last.outcome === 'ok' ? undefined : 'overdue'}>
      {OUTCOMES[last.outcome]}
      {last.errorClass ? ` (${last.errorClass})` : ''}, {last.records} records in {last.durationMs} ms at{' '}
      <time dateTime={last.at}>{last.at.slice(11, 19)}</time>
    </span>
  );
}
