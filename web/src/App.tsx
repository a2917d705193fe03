import { useEffect, useState, type ReactNode } from 'react';
import { api, get, setCsrf } from './api';
import { Login } from './pages/Login';
import { Setup } from './pages/Setup';
import { Dashboard } from './pages/Dashboard';
import { Devices } from './pages/Devices';
import { Alerts } from './pages/Alerts';
import { Honeypot } from './pages/Honeypot';
import { Rules } from './pages/Rules';
import { Tls } from './pages/Tls';
import { Network } from './pages/Network';
import { Settings } from './pages/Settings';

export interface SessionInfo {
  authenticated: boolean;
  user?: string;
  role?: 'admin' | 'read-only';
  csrf?: string;
  setupNeeded?: boolean;
}

const PAGES: Array<{ path: string; title: string; page: (s: SessionInfo) => ReactNode }> = [
  { path: '/', title: 'Dashboard', page: () => <Dashboard /> },
  { path: '/setup', title: 'First deployment', page: (s) => <Setup session={s} /> },
  { path: '/devices', title: 'Devices', page: (s) => <Devices admin={s.role === 'admin'} /> },
  { path: '/alerts', title: 'Alerts', page: () => <Alerts /> },
  { path: '/honeypot', title: 'Honeypot', page: () => <Honeypot /> },
  { path: '/rules', title: 'Rules and models', page: (s) => <Rules admin={s.role === 'admin'} /> },
  { path: '/tls', title: 'TLS policies', page: (s) => <Tls admin={s.role === 'admin'} /> },
  { path: '/network', title: 'NAT and isolation', page: (s) => <Network admin={s.role === 'admin'} /> },
  { path: '/settings', title: 'Settings', page: (s) => <Settings admin={s.role === 'admin'} /> },
];

export function navigate(path: string): void {
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

function pageOf(pathname: string) {
  return (
    PAGES.filter((p) => p.path !== '/' && pathname.startsWith(p.path)).sort(
      (a, b) => b.path.length - a.path.length,
    )[0] ?? PAGES[0]
  );
}

export function App() {
  const [session, setSession] = useState<SessionInfo>();
  const [path, setPath] = useState(location.pathname);
  const [toast, setToast] = useState<string>();

  const refresh = () =>
    get<SessionInfo>('/api/session').then((s) => {
      if (s.csrf) setCsrf(s.csrf);
      setSession(s);
    });
  useEffect(() => {
    void refresh();
    const onPop = () => setPath(location.pathname);
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  useEffect(() => {
    if (!session?.authenticated) return;
    const es = new EventSource('/api/events');
    es.addEventListener('alert', (e) => {
      const d = JSON.parse((e as MessageEvent<string>).data) as {
        id: number;
        explanation: { summary: string };
      };
      setToast(`New alert #${d.id}: ${d.explanation.summary}`);
      dispatchEvent(new CustomEvent('moat-alert', { detail: d }));
    });
    es.addEventListener('device', () => dispatchEvent(new CustomEvent('moat-device')));
    return () => es.close();
  }, [session?.authenticated]);
  useEffect(() => {
    const p = pageOf(path);
    document.title = `${p.title} — moat console`;
  }, [path]);

  if (!session) return <p>Loading…</p>;
  if (!session.authenticated)
    return <Login setupNeeded={session.setupNeeded === true} onDone={() => void refresh()} />;
  const current = pageOf(path);
  return (
    <div className="shell">
      <nav aria-label="Console sections">
        <h1>moat</h1>
        {PAGES.map((p) => (
          <a
            key={p.path}
            href={p.path}
            aria-current={p === current ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate(p.path);
            }}
          >
            {p.title}
          </a>
        ))}
        <p style={{ marginTop: '2rem', fontSize: '0.85rem' }}>
          {session.user} ({session.role})
        </p>
        <button
          type="button"
          onClick={() =>
            void api('POST', '/api/logout').then(() => {
              setSession({ authenticated: false });
            })
          }
        >
          Log out
        </button>
      </nav>
      <main>
        <h2>{current.title}</h2>
        {current.page(session)}
      </main>
      {toast && (
        <div className="toast" role="status" aria-live="polite">
          {toast}{' '}
          <button type="button" onClick={() => setToast(undefined)} aria-label="Dismiss notification">
            ×
          </button>
        </div>
      )}
    </div>
  );
}
