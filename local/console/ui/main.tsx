import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AuditPage } from './pages/audit.js';
import { DeadLettersPage } from './pages/dead-letters.js';
import { LetterPage } from './pages/letter.js';
import { MappingsPage } from './pages/mappings.js';
import { OrderPage, OrderSearch } from './pages/orders.js';
import { SagaPage, SagaSearch } from './pages/sagas.js';
import './style.css';

/** The page a location hash names: `#/dead-letters[/<id>]`, `#/sagas[/<orderId>]`, `#/orders[/<orderId>?version=N]`, `#/audit`. */
type Route =
  | { page: 'dead-letters'; query: string }
  | { page: 'letter'; id: string }
  | { page: 'sagas'; query: string }
  | { page: 'saga'; orderId: string }
  | { page: 'orders' }
  | { page: 'order'; orderId: string; version: number | undefined }
  | { page: 'mappings' }
  | { page: 'audit' };

function routeOf(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const letter = /^\/dead-letters\/(.+)$/.exec(path);
  if (letter?.[1]) return { page: 'letter', id: decodeURIComponent(letter[1]) };
  const saga = /^\/sagas\/(.+)$/.exec(path);
  if (saga?.[1]) return { page: 'saga', orderId: decodeURIComponent(saga[1]) };
  const order = /^\/orders\/(.+)$/.exec(path);
  if (order?.[1]) {
    const version = Number(new URLSearchParams(query).get('version'));
    return {
      page: 'order',
      orderId: decodeURIComponent(order[1]),
      version: Number.isSafeInteger(version) && version > 0 ? version : undefined,
    };
  }
  if (path === '/sagas') return { page: 'sagas', query };
  if (path === '/orders') return { page: 'orders' };
  if (path === '/mappings') return { page: 'mappings' };
  if (path === '/audit') return { page: 'audit' };
  return { page: 'dead-letters', query };
}

function App() {
  const [route, setRoute] = useState(routeOf(location.hash));
  useEffect(() => {
    const follow = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  useEffect(() => {
    document.getElementById('main')?.focus();
  }, [route]);
  const current = (page: Route['page']) => (route.page === page ? 'page' : undefined);
  return (
    <>
      <header>
        <nav aria-label="Console">
          <strong>Operator console</strong>
          <a href="#/dead-letters" aria-current={current('dead-letters') ?? current('letter')}>
            Dead letters
          </a>
          <a href="#/sagas" aria-current={current('sagas') ?? current('saga')}>
            Sagas
          </a>
          <a href="#/orders" aria-current={current('orders') ?? current('order')}>
            Orders
          </a>
          <a href="#/mappings" aria-current={current('mappings')}>
            Mappings
          </a>
          <a href="#/audit" aria-current={current('audit')}>
            Audit trail
          </a>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === 'dead-letters' && <DeadLettersPage query={route.query} />}
        {route.page === 'letter' && <LetterPage id={route.id} />}
        {route.page === 'sagas' && <SagaSearch query={route.query} />}
        {route.page === 'saga' && <SagaPage orderId={route.orderId} />}
        {route.page === 'orders' && <OrderSearch />}
        {route.page === 'order' && <OrderPage orderId={route.orderId} version={route.version} />}
        {route.page === 'mappings' && <MappingsPage />}
        {route.page === 'audit' && <AuditPage />}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
