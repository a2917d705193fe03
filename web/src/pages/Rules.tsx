import { useState } from 'react';
import { api } from '../api';
import { useLoad, ErrorLine } from '../util';

interface Bundle {
  version: string;
  name: string;
  sha256: string;
  records: number;
  installedAt: string;
  active: boolean;
}
interface Model {
  version: number;
  createdAt: string;
  status: string;
  reason: string | null;
  active: boolean;
  source: string;
}

function older(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++)
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) < (pb[i] ?? 0);
  return false;
}

export function Rules({ admin }: { admin: boolean }) {
  const b = useLoad<{ bundles: Bundle[] }>('/api/bundles');
  const m = useLoad<{ models: Model[] }>('/api/models');
  const [msg, setMsg] = useState<string>();
  const act = async (path: string, done: string, reload: () => void) => {
    try {
      await api('POST', path);
      setMsg(done);
    } catch (e) {
      setMsg((e as Error).message);
    }
    reload();
  };
  const active = b.data?.bundles.find((x) => x.active);
  return (
    <div>
      <ErrorLine error={b.error ?? m.error} />
      {msg && <p role="status">{msg}</p>}
      <section className="panel">
        <h3>Rule bundles</h3>
        <table>
          <thead>
            <tr>
              <th>Version</th>
              <th>Name</th>
              <th>Rules</th>
              <th>SHA-256</th>
              <th>Installed</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {(b.data?.bundles ?? []).map((x) => (
              <tr key={x.version}>
                <td>{x.version}</td>
                <td>{x.name}</td>
                <td>{x.records}</td>
                <td>{x.sha256.slice(0, 16)}…</td>
                <td>{x.installedAt}</td>
                <td>
                  {x.active ? (
                    <strong>active</strong>
                  ) : (
                    <button
                      type="button"
                      disabled={!admin}
                      aria-label={`${active && older(x.version, active.version) ? 'Roll back to' : 'Activate'} bundle ${x.version}`}
                      onClick={() =>
                        void act(`/api/bundles/${x.version}/activate`, `bundle ${x.version} active`, b.reload)
                      }
                    >
                      {active && older(x.version, active.version) ? 'Roll back to this' : 'Activate'}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel">
        <h3>Identification models</h3>
        <table>
          <thead>
            <tr>
              <th>Version</th>
              <th>Created</th>
              <th>Source</th>
              <th>Status</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {(m.data?.models ?? []).map((x) => (
              <tr key={x.version}>
                <td>{x.version}</td>
                <td>{x.createdAt}</td>
                <td>{x.source}</td>
                <td>
                  {x.status}
                  {x.reason ? `: ${x.reason}` : ''}
                </td>
                <td>
                  {x.active ? (
                    <strong>active</strong>
                  ) : x.status === 'published' ? (
                    <button
                      type="button"
                      disabled={!admin}
                      aria-label={`Activate model ${x.version}`}
                      onClick={() =>
                        void act(`/api/models/${x.version}/activate`, `model ${x.version} active`, m.reload)
                      }
                    >
                      Activate
                    </button>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
