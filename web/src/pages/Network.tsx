import { useState } from 'react';
import { api, ApiError } from '../api';
import { useLoad, ErrorLine } from '../util';

interface Mapping {
  priority: string;
  rank: number;
  protocol: string;
  ports: string;
  to: string;
  expiresIn: number | null;
}

export function Network({ admin }: { admin: boolean }) {
  const nat = useLoad<{ mappings: Mapping[] }>('/api/nat');
  const iso = useLoad<{
    isolated: boolean;
    since?: string;
    reason?: string;
    devices?: string[];
    backup: { port: number; protocol: string } | null;
    threshold: number | null;
  }>('/api/isolation');
  const [fwd, setFwd] = useState({ protocol: 'tcp', port: '', to: '', toPort: '' });
  const [msg, setMsg] = useState<string>();
  const add = async () => {
    try {
      await api('POST', '/api/nat/forwards', {
        protocol: fwd.protocol,
        port: Number(fwd.port),
        to: fwd.to,
        ...(fwd.toPort ? { toPort: Number(fwd.toPort) } : {}),
      });
      setMsg('Port forward added.');
      nat.reload();
    } catch (e) {
      const a = e as ApiError;
      setMsg([a.message, ...a.problems.map((p) => `${p.path}: ${p.message}`)].join(' — '));
    }
  };
  return (
    <div>
      <section className="panel">
        <h3>Self-isolation</h3>
        <ErrorLine error={iso.error} />
        {iso.data && (
          <>
            <p>
              {iso.data.isolated ? (
                <strong className="error">
                  Isolated since {iso.data.since} ({iso.data.reason})
                </strong>
              ) : (
                <span className="ok">Not isolated</span>
              )}
            </p>
            <p>
              Backup port:{' '}
              {iso.data.backup
                ? `${iso.data.backup.protocol}/${iso.data.backup.port} (stays open to the user)`
                : 'none configured'}
              ; threshold: {iso.data.threshold ?? 'not set'}
            </p>
          </>
        )}
      </section>
      <section className="panel">
        <h3>Port mappings by priority</h3>
        <ErrorLine error={nat.error} />
        <table>
          <thead>
            <tr>
              <th>Priority</th>
              <th>Protocol</th>
              <th>WAN ports</th>
              <th>To</th>
              <th>Ages in</th>
            </tr>
          </thead>
          <tbody>
            {(nat.data?.mappings ?? []).map((m, i) => (
              <tr key={i}>
                <td>
                  {m.priority} ({m.rank})
                </td>
                <td>{m.protocol}</td>
                <td>{m.ports}</td>
                <td>{m.to}</td>
                <td>{m.expiresIn === null ? 'never' : `${m.expiresIn} s`}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h4>Add a port forward</h4>
        <div className="field">
          <label htmlFor="fwd-protocol">Protocol</label>
          <select
            id="fwd-protocol"
            value={fwd.protocol}
            disabled={!admin}
            onChange={(e) => setFwd({ ...fwd, protocol: e.target.value })}
          >
            <option>tcp</option>
            <option>udp</option>
          </select>
        </div>
        {(
          [
            ['port', 'WAN port'],
            ['to', 'Device address'],
            ['toPort', 'Device port (optional)'],
          ] as const
        ).map(([k, label]) => (
          <div className="field" key={k}>
            <label htmlFor={`fwd-${k}`}>{label}</label>
            <input
              id={`fwd-${k}`}
              value={fwd[k]}
              disabled={!admin}
              onChange={(e) => setFwd({ ...fwd, [k]: e.target.value })}
            />
          </div>
        ))}
        <button type="button" disabled={!admin} onClick={() => void add()}>
          Add forward
        </button>
        {msg && <p role="status">{msg}</p>}
      </section>
    </div>
  );
}
