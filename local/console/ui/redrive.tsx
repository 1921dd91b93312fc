import { useState } from 'preact/hooks';
import { redriveAnswer } from '../contracts.js';
import { post, sessionOf } from './api.js';
import { ErrorAlert } from './parts.js';

/**
 * Redrive some letters: a dry run first, listing exactly what would be sent where, then — only after
 * the operator confirms that list — the send. Either answer is announced to screen readers.
 */
export function RedrivePanel({
  ids,
  label,
  onSent,
}: {
  ids: readonly string[];
  label: string;
  onSent: () => void;
}) {
  const [plan, setPlan] = useState<string[] | undefined>(undefined);
  const [sent, setSent] = useState<string[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [allowed, setAllowed] = useState(false);
  const [busy, setBusy] = useState(false);

  const run = async (dryRun: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const { allowRedrive } = await sessionOf();
      setAllowed(allowRedrive);
      const answer = await post(
        '/api/redrive',
        { ids, dryRun, ...(dryRun ? {} : { confirm: true }) },
        redriveAnswer,
      );
      if (dryRun) {
        setPlan(answer.plan);
        setSent(undefined);
      } else {
        setSent(answer.plan);
        setPlan(undefined);
        onSent();
      }
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="redrive-heading" class="panel">
      <h2 id="redrive-heading">Redrive</h2>
      <button type="button" disabled={busy || ids.length === 0} onClick={() => void run(true)}>
        Dry run: {label}
      </button>
      <div aria-live="polite">
        <ErrorAlert error={error} />
        {plan && (
          <>
            <h3>Would send</h3>
            <ul class="plan">
              {plan.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
            {allowed ? (
              <button type="button" class="danger" disabled={busy} onClick={() => void run(false)}>
                Confirm and send {plan.filter((line) => line.startsWith('would redrive')).length}
              </button>
            ) : (
              <p>This console is read-only: start it with --allow-redrive to send.</p>
            )}
          </>
        )}
        {sent && (
          <>
            <h3>Sent</h3>
            <ul class="plan">
              {sent.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}
