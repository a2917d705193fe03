import { useEffect, useRef, useState } from 'react';
import { api, ApiError, type Problem } from '../api';
import { useLoad, ErrorLine } from '../util';
import type { SessionInfo } from '../App';

interface Found {
  mac: string;
  ip: string;
  zone: string | null;
  hostname: string | null;
  decided: boolean;
  authorised: boolean;
  kind: string;
  name: string | null;
}
interface Status {
  admin: boolean;
  network: unknown;
  check: {
    available: boolean;
    reason?: string;
    devices?: Array<{ device: string; address: string; status: string; openPorts: string[] }>;
    findings?: Array<{
      device: string;
      address: string;
      severity: string;
      service: string;
      title: string;
      detail: string;
    }>;
  } | null;
  vendor: {
    bundle: { ok: boolean; version?: string; error?: string };
    model: { ok: boolean; version?: number; error?: string };
  } | null;
  finished: boolean;
}

const NET_FIELDS: Array<{ key: string; label: string; path: string; initial: string }> = [
  { key: 'wanIf', label: 'WAN interface', path: 'body.zones.wan.interface', initial: 'eth0' },
  { key: 'lanIf', label: 'LAN interface', path: 'body.zones.lan.interface', initial: 'eth1' },
  {
    key: 'lanAddr',
    label: 'LAN gateway address/prefix',
    path: 'body.zones.lan.address',
    initial: '192.168.1.1/24',
  },
  { key: 'iotIf', label: 'IoT interface', path: 'body.zones.iot.interface', initial: 'eth2' },
  {
    key: 'iotAddr',
    label: 'IoT gateway address/prefix',
    path: 'body.zones.iot.address',
    initial: '192.168.20.1/24',
  },
  { key: 'dmzIf', label: 'DMZ interface', path: 'body.zones.dmz.interface', initial: 'eth3' },
  {
    key: 'dmzAddr',
    label: 'DMZ gateway address/prefix',
    path: 'body.zones.dmz.address',
    initial: '192.168.50.1/24',
  },
  { key: 'honeypot', label: 'Honeypot address', path: 'body.zones.dmz.honeypot', initial: '192.168.50.10' },
  { key: 'backup', label: 'Backup WAN port', path: 'body.backup.port', initial: '8443' },
];

export function Setup({ session }: { session: SessionInfo }) {
  const admin = session.role === 'admin';
  const status = useLoad<Status>('/api/setup');
  const devices = useLoad<{ devices: Found[] }>('/api/setup/devices');
  const [net, setNet] = useState<Record<string, string>>(
    Object.fromEntries(NET_FIELDS.map((f) => [f.key, f.initial])),
  );
  // The form starts from the subnets in force (in the gateway) or saved last, once they have loaded. A field the
  // user has typed in since is kept: the load can arrive after the typing (a slow gateway), and must not undo it.
  const edited = useRef(new Set<string>());
  const known = status.data?.network as
    | {
        zones?: Record<string, { interface?: string; address?: string; honeypot?: string } | undefined>;
        backup?: { port?: number } | null;
      }
    | null
    | undefined;
  useEffect(() => {
    if (!known?.zones) return;
    const z = known.zones;
    const from: Record<string, string | undefined> = {
      wanIf: z.wan?.interface,
      lanIf: z.lan?.interface,
      lanAddr: z.lan?.address,
      iotIf: z.iot?.interface,
      iotAddr: z.iot?.address,
      dmzIf: z.dmz?.interface,
      dmzAddr: z.dmz?.address,
      honeypot: z.dmz?.honeypot,
      backup: known.backup?.port !== undefined ? String(known.backup.port) : undefined,
    };
    setNet((cur) => ({
      ...cur,
      ...Object.fromEntries(
        Object.entries(from).filter(
          (e): e is [string, string] => e[1] !== undefined && !edited.current.has(e[0]),
        ),
      ),
    }));
  }, [known]);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [msg, setMsg] = useState<string>();
  const [vendorUrl, setVendorUrl] = useState('');
  const [busy, setBusy] = useState(false);

  const saveNetwork = async () => {
    const body = {
      zones: {
        wan: { interface: net.wanIf },
        lan: { interface: net.lanIf, address: net.lanAddr },
        iot: { interface: net.iotIf, address: net.iotAddr },
        dmz: { interface: net.dmzIf, address: net.dmzAddr, honeypot: net.honeypot },
      },
      backup: { port: Number(net.backup), protocol: 'tcp' },
    };
    try {
      await api('PUT', '/api/setup/network', body);
      edited.current.clear();
      setProblems([]);
      setMsg('Subnets saved as the gateway configuration.');
      status.reload();
    } catch (e) {
      setProblems((e as ApiError).problems);
      setMsg((e as ApiError).message);
    }
  };
  const [creds, setCreds] = useState<Array<{ name: string; c: Record<string, unknown> }>>([]);
  const decide = async (d: Found, authorise: boolean) => {
    const r = await api<{ credentials?: Record<string, unknown> }>('POST', `/api/setup/devices/${d.mac}`, {
      authorise,
      kind: d.kind === 'iot' ? 'iot' : 'user',
    });
    if (r.credentials) setCreds((x) => [...x, { name: d.name ?? d.mac, c: r.credentials! }]);
    devices.reload();
  };
  const step = async (path: string, body?: unknown) => {
    setBusy(true);
    try {
      await api('POST', path, body);
      setMsg(undefined);
    } catch (e) {
      setMsg((e as Error).message);
    } finally {
      setBusy(false);
      status.reload();
    }
  };
  const s = status.data;
  return (
    <div>
      <ErrorLine error={status.error} />
      <section className="panel" aria-labelledby="step-admin">
        <h3 id="step-admin">1. Admin account</h3>
        <p className="ok">{s?.admin ? `Created; you are logged in as ${session.user}.` : 'Not created.'}</p>
      </section>
      <section className="panel" aria-labelledby="step-network">
        <h3 id="step-network">2. WAN and LAN/IoT/DMZ subnets</h3>
        {NET_FIELDS.map((f) => {
          const err = problems.filter((p) => p.path === f.path || p.path.startsWith(`${f.path}.`));
          return (
            <div className="field" key={f.key}>
              <label htmlFor={`net-${f.key}`}>{f.label}</label>
              <input
                id={`net-${f.key}`}
                value={net[f.key]}
                disabled={!admin}
                aria-invalid={err.length > 0}
                aria-describedby={err.length ? `net-${f.key}-err` : undefined}
                onChange={(e) => {
                  const v = e.target.value;
                  edited.current.add(f.key);
                  setNet((cur) => ({ ...cur, [f.key]: v }));
                }}
              />
              {err.length > 0 && (
                <span id={`net-${f.key}-err`} className="error">
                  {err.map((p) => p.message).join('; ')}
                </span>
              )}
            </div>
          );
        })}
        {problems
          .filter((p) => !NET_FIELDS.some((f) => p.path === f.path || p.path.startsWith(`${f.path}.`)))
          .map((p) => (
            <p key={p.path + p.message} className="error">
              {p.path}: {p.message}
            </p>
          ))}
        <button type="button" disabled={!admin} onClick={() => void saveNetwork()}>
          Save subnets
        </button>
        {s?.network ? <span className="ok"> Saved.</span> : null}
      </section>
      <section className="panel" aria-labelledby="step-devices">
        <h3 id="step-devices">3. Register the devices found (each one asks for your authorisation)</h3>
        <table>
          <thead>
            <tr>
              <th>Device</th>
              <th>Address</th>
              <th>Zone</th>
              <th>Kind</th>
              <th>Decision</th>
            </tr>
          </thead>
          <tbody>
            {(devices.data?.devices ?? []).slice(0, 50).map((d) => (
              <tr key={d.mac}>
                <td>{d.name ?? d.mac}</td>
                <td>{d.ip}</td>
                <td>{d.zone ?? '—'}</td>
                <td>{d.kind}</td>
                <td>
                  {d.decided ? (
                    d.authorised ? (
                      'authorised'
                    ) : (
                      'declined'
                    )
                  ) : (
                    <>
                      <button
                        type="button"
                        disabled={!admin}
                        aria-label={`Authorise ${d.name ?? d.mac}`}
                        onClick={() => void decide(d, true)}
                      >
                        Authorise
                      </button>
                      <button
                        type="button"
                        disabled={!admin}
                        aria-label={`Decline ${d.name ?? d.mac}`}
                        onClick={() => void decide(d, false)}
                      >
                        Decline
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {creds.map(({ name, c }) => (
          <p key={name} className="ok" data-testid="iot-credentials">
            MQTT login for {name} (shown once; enter it in the device): user <code>{String(c.username)}</code>
            , password <code>{String(c.password)}</code>, topics under <code>{String(c.prefix)}</code>
          </p>
        ))}
        {(devices.data?.devices.length ?? 0) > 50 && (
          <p>{devices.data!.devices.length - 50} more devices: see Devices.</p>
        )}
      </section>
      <section className="panel" aria-labelledby="step-check">
        <h3 id="step-check">4. Initial security check</h3>
        <button type="button" disabled={!admin || busy} onClick={() => void step('/api/setup/check')}>
          Run the security check
        </button>
        {s?.check &&
          (s.check.available ? (
            <>
              <p data-testid="check-summary">
                {s.check.devices?.length ?? 0} devices checked, {s.check.findings?.length ?? 0} findings.
              </p>
              <table>
                <thead>
                  <tr>
                    <th>Device</th>
                    <th>Severity</th>
                    <th>Service</th>
                    <th>Finding</th>
                  </tr>
                </thead>
                <tbody>
                  {(s.check.findings ?? []).map((f, i) => (
                    <tr key={i}>
                      <td>{f.address}</td>
                      <td>{f.severity}</td>
                      <td>{f.service}</td>
                      <td title={f.detail}>{f.title}</td>
                    </tr>
                  ))}
                  {(s.check.devices ?? [])
                    .filter((d) => !(s.check!.findings ?? []).some((f) => f.device === d.device))
                    .map((d) => (
                      <tr key={d.device}>
                        <td>{d.address}</td>
                        <td>—</td>
                        <td>{d.openPorts.join(', ') || 'no open ports'}</td>
                        <td>{d.status}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </>
          ) : (
            <p className="error" data-testid="check-unavailable">
              Not available: {s.check.reason}
            </p>
          ))}
      </section>
      <section className="panel" aria-labelledby="step-vendor">
        <h3 id="step-vendor">5. Vendor rule bundle and model</h3>
        <div className="field">
          <label htmlFor="vendor-url">Vendor URL</label>
          <input
            id="vendor-url"
            value={vendorUrl}
            disabled={!admin}
            onChange={(e) => setVendorUrl(e.target.value)}
            size={40}
          />
        </div>
        <button
          type="button"
          disabled={!admin || busy}
          onClick={() => void step('/api/setup/vendor', { url: vendorUrl })}
        >
          Fetch and verify
        </button>
        {s?.vendor && (
          <ul>
            <li className={s.vendor.bundle.ok ? 'ok' : 'error'}>
              Rule bundle:{' '}
              {s.vendor.bundle.ok
                ? `version ${s.vendor.bundle.version} verified and installed`
                : s.vendor.bundle.error}
            </li>
            <li className={s.vendor.model.ok ? 'ok' : 'error'}>
              Model:{' '}
              {s.vendor.model.ok
                ? `verified, stored as version ${s.vendor.model.version}`
                : s.vendor.model.error}
            </li>
          </ul>
        )}
      </section>
      <section className="panel" aria-labelledby="step-finish">
        <h3 id="step-finish">6. Finish</h3>
        <button type="button" disabled={!admin || busy} onClick={() => void step('/api/setup/finish')}>
          Finish set-up
        </button>
        {s?.finished && <span className="ok"> Set-up finished.</span>}
      </section>
      {msg && <p role="status">{msg}</p>}
    </div>
  );
}
