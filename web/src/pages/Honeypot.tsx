import { useEffect, useState } from 'react';
import { useLoad, fmtTime, ErrorLine } from '../util';
import { navigate } from '../App';

interface Summary {
  id: string;
  service: string;
  peerIp: string;
  start: string;
  end: string | null;
  commands: number;
  logins: number;
  downloads: number;
}
interface Report {
  labels?: string[];
  /** Per label, why it was given. */
  reasons?: Record<string, string[]>;
  analysedAt?: string;
}
interface Full {
  id: string;
  service: string;
  peerIp: string;
  peerPort: number;
  start: string;
  end: string | null;
  endReason: string | null;
  credentials: Array<{ user: string; password: string; accepted: boolean }>;
  commands: Array<{ at: string; line: string; route: string }>;
  downloads: Array<{
    url: string;
    tool: string;
    status: string;
    sha256?: string;
    size?: number;
    report: Report | null;
  }>;
  samples: Array<{ sha256: string; size: number; source: string; report: Report | null }>;
}

const why = (r: Report | null): string =>
  Object.entries(r?.reasons ?? {})
    .map(([label, rs]) => `${label}: ${rs.join(', ')}`)
    .join('; ');

/** Replays the transcript line by line at the pace the attacker typed (capped at 1 s a line). */
function Replay({ s }: { s: Full }) {
  const lines = [
    ...s.credentials.map((c) => ({
      at: s.start,
      text: `login: ${c.user} / ${c.password} → ${c.accepted ? 'accepted' : 'refused'}`,
    })),
    ...s.commands.map((c) => ({
      at: c.at,
      text: `$ ${c.line}${c.route !== 'emulator' ? `   [${c.route}]` : ''}`,
    })),
  ];
  const [shown, setShown] = useState(lines.length);
  const [playing, setPlaying] = useState(false);
  useEffect(() => {
    if (!playing) return;
    if (shown >= lines.length) return setPlaying(false);
    const gap =
      shown === 0
        ? 300
        : Math.min(1000, Math.max(100, Date.parse(lines[shown].at) - Date.parse(lines[shown - 1].at)));
    const t = setTimeout(() => setShown((n) => n + 1), gap);
    return () => clearTimeout(t);
  }, [playing, shown, lines]);
  return (
    <section className="panel" aria-label="Transcript">
      <h4>Transcript</h4>
      <button
        type="button"
        onClick={() => {
          setShown(0);
          setPlaying(true);
        }}
      >
        Replay transcript
      </button>
      <div className="transcript" aria-live="off" data-testid="transcript">
        {lines.slice(0, shown).map((l, i) => (
          <div key={i}>{l.text}</div>
        ))}
      </div>
    </section>
  );
}

function Detail({ id }: { id: string }) {
  const { data, error } = useLoad<Full>(`/api/honeypot/sessions/${encodeURIComponent(id)}`);
  return (
    <div>
      <button type="button" onClick={() => navigate('/honeypot')}>
        Back to sessions
      </button>
      <ErrorLine error={error} />
      {data && (
        <>
          <h3>
            Session {data.id}: {data.service} from {data.peerIp}:{data.peerPort}
          </h3>
          <p>
            {fmtTime(data.start)} – {data.end ? fmtTime(data.end) : 'open'}{' '}
            {data.endReason ? `(${data.endReason})` : ''}
          </p>
          <Replay s={data} />
          <section className="panel" aria-label="Downloads">
            <h4>Downloads and samples</h4>
            <table>
              <thead>
                <tr>
                  <th>What</th>
                  <th>Status</th>
                  <th>SHA-256</th>
                  <th>Sandbox labels</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {data.downloads.map((d) => (
                  <tr key={d.url}>
                    <td>
                      {d.tool} {d.url}
                    </td>
                    <td>{d.status}</td>
                    <td>{d.sha256?.slice(0, 16) ?? '—'}</td>
                    <td>{d.report?.labels?.join(', ') ?? 'no report'}</td>
                    <td>{why(d.report)}</td>
                  </tr>
                ))}
                {data.samples.map((x) => (
                  <tr key={x.sha256}>
                    <td>sample from {x.source}</td>
                    <td>{x.size} bytes</td>
                    <td>{x.sha256.slice(0, 16)}</td>
                    <td>{x.report?.labels?.join(', ') ?? 'no report'}</td>
                    <td>{why(x.report)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </div>
  );
}

export function Honeypot() {
  const m = /^\/honeypot\/(.+)$/.exec(location.pathname);
  const { data, error } = useLoad<{ sessions: Summary[] }>('/api/honeypot/sessions');
  if (m) return <Detail id={decodeURIComponent(m[1])} />;
  return (
    <div>
      <ErrorLine error={error} />
      <table>
        <thead>
          <tr>
            <th>Start</th>
            <th>Service</th>
            <th>Peer</th>
            <th>Logins</th>
            <th>Commands</th>
            <th>Downloads</th>
          </tr>
        </thead>
        <tbody>
          {(data?.sessions ?? []).map((s) => (
            <tr key={s.id}>
              <td>
                <a
                  href={`/honeypot/${encodeURIComponent(s.id)}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/honeypot/${encodeURIComponent(s.id)}`);
                  }}
                >
                  {fmtTime(s.start)}
                </a>
              </td>
              <td>{s.service}</td>
              <td>{s.peerIp}</td>
              <td>{s.logins}</td>
              <td>{s.commands}</td>
              <td>{s.downloads}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.sessions.length === 0 && <p>No honeypot sessions in the store.</p>}
    </div>
  );
}
