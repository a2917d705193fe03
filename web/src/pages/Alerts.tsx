import { useEffect, useState, type ReactNode } from 'react';
import { useLoad, fmtTime, ErrorLine } from '../util';
import { api } from '../api';
import { navigate } from '../App';

interface Row {
  id: number;
  tsMs: number;
  sid: number;
  signature: string;
  severity: number;
  action: string;
  srcIp: string | null;
  destIp: string | null;
}
interface Dim {
  dimension: string;
  raw: unknown;
  score: number | null;
  weight: number;
  contribution: number;
  available: boolean;
  note?: string;
}
interface Explanation {
  summary: string;
  rule?: { sid: number; text: string | null; bundle: string | null };
  tls?: {
    policy: string;
    score: number | null;
    condition: string;
    verdict: string;
    decidedBy: Array<{ finding: string; dimension: string; action: string; note?: string }>;
    groups: Array<{
      group: string;
      score: number | null;
      weight: number;
      contribution: number;
      dimensions: Dim[];
    }>;
  };
  model?: { verdict: string; score: number; version: number | null; rulesFired: string[]; reasons: string[] };
  logReview?: {
    rule: string;
    device: string;
    value: number;
    limit: number;
    windowS: number;
    operation: string;
  };
  eventCache?: { operation: string; diagnosis: string; eventId: string; status: string };
}

export function ExplanationView({ x }: { x: Explanation }) {
  return (
    <div>
      <p>
        <strong>{x.summary}</strong>
      </p>
      {x.rule && (
        <section className="panel" aria-label="Rule">
          <h4>Rule {x.rule.sid}</h4>
          {x.rule.text ? <pre>{x.rule.text}</pre> : <p>The rule text is not in the active bundle.</p>}
          {x.rule.bundle && <p>from bundle {x.rule.bundle}</p>}
        </section>
      )}
      {x.tls && (
        <section className="panel" aria-label="TLS score breakdown">
          <h4>
            TLS policy {x.tls.policy}: score {x.tls.score ?? 'n/a'}, needs {x.tls.condition} → {x.tls.verdict}
          </h4>
          {x.tls.decidedBy.map((d) => (
            <p key={d.dimension + d.finding}>
              Decided by {d.dimension}: {d.finding} ({d.action}){d.note ? ` — ${d.note}` : ''}
            </p>
          ))}
          <table>
            <thead>
              <tr>
                <th>Group</th>
                <th>Dimension</th>
                <th>Value</th>
                <th>Score</th>
                <th>Weight</th>
                <th>Contribution</th>
                <th>Note</th>
              </tr>
            </thead>
            <tbody>
              {x.tls.groups.flatMap((g) =>
                g.dimensions.map((d) => (
                  <tr key={g.group + d.dimension}>
                    <td>
                      {g.group} ({g.score ?? 'n/a'} ×{g.weight})
                    </td>
                    <td>{d.dimension}</td>
                    <td>{d.raw === null ? '—' : String(d.raw)}</td>
                    <td>{d.available ? (d.score ?? 'n/a') : 'not available'}</td>
                    <td>{d.weight}</td>
                    <td>{d.contribution}</td>
                    <td>{d.note ?? ''}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </section>
      )}
      {x.model && (
        <section className="panel" aria-label="Model">
          <h4>
            Model v{x.model.version ?? '?'}: {x.model.verdict} ({x.model.score})
          </h4>
          <p>Rules fired: {x.model.rulesFired.join(', ') || 'none'}</p>
          <ul>
            {x.model.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </section>
      )}
      {x.logReview && (
        <section className="panel" aria-label="Log review">
          <h4>Log review: {x.logReview.rule}</h4>
          <p>
            Device {x.logReview.device}: {x.logReview.value} in {x.logReview.windowS} s, limit{' '}
            {x.logReview.limit} → {x.logReview.operation}
          </p>
        </section>
      )}
      {x.eventCache && (
        <section className="panel" aria-label="Event cache">
          <h4>Event cache entry</h4>
          <p>
            {x.eventCache.operation} ({x.eventCache.diagnosis} {x.eventCache.eventId}, {x.eventCache.status})
          </p>
        </section>
      )}
    </div>
  );
}

interface AlertDevice {
  role: string;
  mac: string;
  ip: string;
  name: string;
  restricted: boolean;
  level: string | null;
}

interface AlertAddress {
  role: string;
  ip: string;
  blocked: boolean;
  canBlock: boolean;
}

/**
 * One table of parties in an alert with a toggle per row (block an outside address, restrict a device of this
 * network): the same markup, status line and reload for both kinds, so the two sections cannot drift apart.
 */
interface ActionRow {
  key: string;
  cells: ReactNode[];
  /** What the row's button does, e.g. "Block 203.0.113.9" (its accessible name). */
  label: string;
  button: string;
  disabled?: boolean;
  /** Sends the change; resolves to the status line to show. */
  run: () => Promise<string>;
}

function ActionTable(props: {
  id: string;
  title: string;
  head: string[];
  rows: ActionRow[];
  reload: () => void;
}) {
  const [msg, setMsg] = useState<string>();
  if (props.rows.length === 0) return null;
  const act = async (r: ActionRow) => {
    try {
      setMsg(await r.run());
    } catch (e) {
      setMsg((e as Error).message);
    }
    props.reload();
  };
  return (
    <section className="panel" aria-labelledby={props.id}>
      <h4 id={props.id}>{props.title}</h4>
      <table>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th key={h}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r.key}>
              {r.cells.map((c, i) => (
                <td key={i}>{c}</td>
              ))}
              <td>
                <button type="button" disabled={r.disabled} aria-label={r.label} onClick={() => void act(r)}>
                  {r.button}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {msg && <p role="status">{msg}</p>}
    </section>
  );
}

function AlertAddresses({ addresses, reload }: { addresses: AlertAddress[]; reload: () => void }) {
  const rows = addresses.map((a): ActionRow => ({
    key: a.role + a.ip,
    cells: [a.role, a.ip, a.blocked ? <strong className="error">blocked</strong> : 'not blocked'],
    label: `${a.blocked ? 'Lift block on' : 'Block'} ${a.ip}`,
    button: a.blocked ? 'Unblock' : 'Block',
    disabled: !a.canBlock,
    run: async () => {
      await api('POST', `/api/addresses/${a.ip}/block`, { blocked: !a.blocked });
      return `${a.ip} ${a.blocked ? 'unblocked' : 'blocked'}`;
    },
  }));
  return (
    <ActionTable
      id="alert-addresses"
      title="Addresses outside the network"
      head={['Role', 'Address', 'State', 'Action']}
      rows={rows}
      reload={reload}
    />
  );
}

function AlertDevices({ devices, reload }: { devices: AlertDevice[]; reload: () => void }) {
  const rows = devices.map((d): ActionRow => ({
    key: d.role + d.mac,
    cells: [
      d.role,
      d.name,
      d.ip,
      d.restricted ? (
        <strong className="error">restricted{d.level ? ` (${d.level})` : ''}</strong>
      ) : (
        'not restricted'
      ),
    ],
    label: `${d.restricted ? 'Lift restriction on' : 'Restrict'} ${d.name}`,
    button: d.restricted ? 'Unrestrict' : 'Restrict',
    run: async () => {
      await api('POST', `/api/devices/${d.mac}/restriction`, { restricted: !d.restricted });
      return `${d.name} ${d.restricted ? 'unrestricted' : 'restricted'}`;
    },
  }));
  return (
    <ActionTable
      id="alert-devices"
      title="Devices of this network in the alert"
      head={['Role', 'Device', 'Address', 'State', 'Action']}
      rows={rows}
      reload={reload}
    />
  );
}

function Detail({ id }: { id: number }) {
  const { data, error, reload } = useLoad<{
    id: number;
    explanation: Explanation;
    eve: unknown;
    devices: AlertDevice[];
    addresses: AlertAddress[];
  }>(`/api/alerts/${id}`);
  return (
    <div>
      <button type="button" onClick={() => navigate('/alerts')}>
        Back to alerts
      </button>
      <ErrorLine error={error} />
      {data && (
        <>
          <h3>Alert #{data.id}: explanation</h3>
          <ExplanationView x={data.explanation} />
          <AlertAddresses addresses={data.addresses ?? []} reload={reload} />
          <AlertDevices devices={data.devices ?? []} reload={reload} />
          <details>
            <summary>EVE record</summary>
            <pre>{JSON.stringify(data.eve, null, 1)}</pre>
          </details>
        </>
      )}
    </div>
  );
}

export function Alerts() {
  const m = /^\/alerts\/(\d+)/.exec(location.pathname);
  const [before, setBefore] = useState<number>();
  const { data, error, reload } = useLoad<{ alerts: Row[]; total: number }>(
    `/api/alerts?limit=100${before ? `&before=${before}` : ''}`,
  );
  useEffect(() => {
    addEventListener('moat-alert', reload);
    return () => removeEventListener('moat-alert', reload);
  }, [reload]);
  if (m) return <Detail id={Number(m[1])} />;
  return (
    <div>
      <ErrorLine error={error} />
      <p>{data ? `${data.total} alerts` : ''}</p>
      <table>
        <thead>
          <tr>
            <th>Time</th>
            <th>Signature</th>
            <th>Source</th>
            <th>Destination</th>
            <th>Action</th>
            <th>Severity</th>
          </tr>
        </thead>
        <tbody>
          {(data?.alerts ?? []).map((a) => (
            <tr key={a.id}>
              <td>{fmtTime(a.tsMs)}</td>
              <td>
                <a
                  href={`/alerts/${a.id}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/alerts/${a.id}`);
                  }}
                >
                  {a.signature}
                </a>
              </td>
              <td>{a.srcIp}</td>
              <td>{a.destIp ?? '*'}</td>
              <td>{a.action}</td>
              <td>{a.severity}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.alerts.length === 100 && (
        <button type="button" onClick={() => setBefore(data.alerts[data.alerts.length - 1].id)}>
          Older alerts
        </button>
      )}
    </div>
  );
}
