import { useState } from 'react';
import { api } from '../api';
import { useLoad, ErrorLine } from '../util';

export function Settings({ admin }: { admin: boolean }) {
  const ch = useLoad<{ channels: { webhooks: string[] }; delivered: number; failed: number }>(
    '/api/channels',
  );
  const audit = useLoad<{
    entries: Array<{ id: number; at: string; user: string; action: string; target: string }>;
  }>(admin ? '/api/audit?limit=50' : '/api/channels');
  const [hook, setHook] = useState('');
  const [msg, setMsg] = useState<string>();
  const save = async () => {
    try {
      await api('PUT', '/api/channels', { webhooks: hook ? [hook] : [] });
      setMsg('Channels saved.');
      ch.reload();
    } catch (e) {
      setMsg((e as Error).message);
    }
  };
  return (
    <div>
      <section className="panel">
        <h3>Notification channels</h3>
        <ErrorLine error={ch.error} />
        <p>
          Webhooks: {ch.data?.channels.webhooks.join(', ') || 'none'}; delivered {ch.data?.delivered ?? 0},
          failed {ch.data?.failed ?? 0}
        </p>
        <div className="field">
          <label htmlFor="webhook-url">Webhook URL</label>
          <input
            id="webhook-url"
            value={hook}
            disabled={!admin}
            size={40}
            onChange={(e) => setHook(e.target.value)}
          />
        </div>
        <button type="button" disabled={!admin} onClick={() => void save()}>
          Save channels
        </button>
        {msg && <p role="status">{msg}</p>}
      </section>
      {admin && (
        <section className="panel">
          <h3>Audit log</h3>
          <table>
            <thead>
              <tr>
                <th>Time</th>
                <th>User</th>
                <th>Action</th>
                <th>Target</th>
              </tr>
            </thead>
            <tbody>
              {(
                (
                  audit.data as
                    | {
                        entries?: Array<{
                          id: number;
                          at: string;
                          user: string;
                          action: string;
                          target: string;
                        }>;
                      }
                    | undefined
                )?.entries ?? []
              ).map((e) => (
                <tr key={e.id}>
                  <td>{e.at}</td>
                  <td>{e.user}</td>
                  <td>{e.action}</td>
                  <td>{e.target}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
