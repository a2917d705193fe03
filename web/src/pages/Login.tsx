import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';

export function Login({ setupNeeded, onDone }: { setupNeeded: boolean; onDone: () => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      if (setupNeeded) await api('POST', '/api/setup/admin', { user, password });
      await api('POST', '/api/login', { user, password });
      if (setupNeeded) {
        history.pushState(null, '', '/setup');
        dispatchEvent(new PopStateEvent('popstate'));
      }
      onDone();
    } catch (err) {
      const a = err as ApiError;
      setError([a.message, ...(a.problems ?? []).map((p) => `${p.path}: ${p.message}`)].join(' — '));
    }
  };
  return (
    <main style={{ maxWidth: 420, margin: '4rem auto' }}>
      <h1>moat console</h1>
      <h2>{setupNeeded ? 'First boot: create the admin account' : 'Log in'}</h2>
      <form onSubmit={(e) => void submit(e)} className="panel">
        <div className="field">
          <label htmlFor="login-user">User name</label>
          <input
            id="login-user"
            autoComplete="username"
            value={user}
            onChange={(e) => setUser(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            type="password"
            autoComplete={setupNeeded ? 'new-password' : 'current-password'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <button type="submit">{setupNeeded ? 'Create admin and log in' : 'Log in'}</button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
