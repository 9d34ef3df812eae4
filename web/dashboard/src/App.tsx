import { useSyncExternalStore } from 'react';
import { ErrorMessage } from './components/ErrorMessage';
import { reviverHasSource } from './lib/exact-json';
import { parseRoute, type Route } from './lib/route';
import { AlertsPage } from './pages/AlertsPage';
import { DetailPage } from './pages/DetailPage';
import { GeneratePage } from './pages/GeneratePage';
import { SubscribersPage } from './pages/SubscribersPage';

function subscribeHash(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

function useHash(): string {
  return useSyncExternalStore(subscribeHash, () => window.location.hash);
}

const exactNumbers = reviverHasSource();

export function App() {
  const hash = useHash();
  const route = parseRoute(hash);
  const section = route.page === 'detail' ? 'subscribers' : route.page;
  return (
    <>
      <header className="top">
        <a className="brand" href="#/subscribers">
          mobilecs
        </a>
        <nav>
          <a href="#/subscribers" data-testid="nav-subscribers" className={section === 'subscribers' ? 'active' : undefined}>
            Subscribers
          </a>
          <a href="#/alerts" data-testid="nav-alerts" className={section === 'alerts' ? 'active' : undefined}>
            Alerts
          </a>
          <a href="#/generate" data-testid="nav-generate" className={section === 'generate' ? 'active' : undefined}>
            Generate
          </a>
        </nav>
      </header>
      <main>
        {!exactNumbers && (
          <p className="warning">
            This browser does not give JSON parsing the numbers&apos; source text (Chromium ≥ 114, Firefox ≥ 135, Safari ≥ 18.4 do): byte
            counts beyond 2^53 are shown rounded.
          </p>
        )}
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'subscribers':
      return <SubscribersPage params={route.params} />;
    case 'detail':
      return <DetailPage key={route.agreementId} agreementId={route.agreementId} period={route.period} />;
    case 'alerts':
      return <AlertsPage />;
    case 'generate':
      return <GeneratePage />;
    case 'not-found':
      return <ErrorMessage message={`No page at "${route.path}" (bad period or unknown path). Pick a page above.`} />;
  }
}
