/** What a page could not load, announced to screen readers. */
export function ErrorAlert({ error }: { error: string | undefined }) {
  return error ? (
    <p role="alert" class="error">
      {error}
    </p>
  ) : null;
}

/** A page that finds a saga or an order by its order id. */
export function FindByOrderId({ title, what, route }: { title: string; what: string; route: string }) {
  return (
    <>
      <h1>{title}</h1>
      <form
        aria-label={`Find ${what}`}
        onSubmit={(event) => {
          event.preventDefault();
          const orderId = new FormData(event.currentTarget).get('orderId');
          if (typeof orderId === 'string' && orderId)
            location.hash = `#/${route}/${encodeURIComponent(orderId)}`;
        }}
      >
        <label>
          Order id <input name="orderId" required />
        </label>{' '}
        <button type="submit">Show {what}</button>
      </form>
    </>
  );
}

/**
 * The location hash of a filter form's page: its non-empty fields as the query.
 *
 * @param form - the filters
 * @param route - the page's route, `dead-letters` or `sagas`
 */
export function filterHash(form: HTMLFormElement, route: string): string {
  const query = new URLSearchParams();
  for (const [name, value] of new FormData(form))
    if (typeof value === 'string' && value) query.set(name, value);
  return `#/${route}?${query}`;
}
