import { auditList } from '../../contracts.js';
import { get } from '../api.js';
import { useLive } from '../live.js';
import { ErrorAlert } from '../parts.js';

/** Every redrive: when, who, what, and what came of it; newest first. */
export function AuditPage() {
  const { data, error } = useLive(() => get('/api/audit', auditList), 'audit');
  return (
    <>
      <h1>Audit trail</h1>
      <ErrorAlert error={error} />
      {data && data.entries.length === 0 && <p>No redrive yet.</p>}
      {data && data.entries.length > 0 && (
        <table>
          <caption>Redrives, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Letters</th>
              <th scope="col">Result</th>
              <th scope="col">Sent</th>
            </tr>
          </thead>
          <tbody>
            {data.entries.map((entry) => (
              <tr key={`${entry.at}-${entry.letters.join(',')}`}>
                <td>{entry.at}</td>
                <td>{entry.who}</td>
                <td>
                  {entry.letters.map((id) => (
                    <div key={id}>
                      <a href={`#/dead-letters/${encodeURIComponent(id)}`}>{id}</a>
                    </div>
                  ))}
                </td>
                <td>
                  {entry.result}
                  {entry.reason ? `: ${entry.reason}` : ''}
                </td>
                <td>
                  <ul class="plan">
                    {entry.sent.map((line) => (
                      <li key={line}>{line}</li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
