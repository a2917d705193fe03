import { useMemo } from 'react';
import { useLoad, Chart, bytes, ErrorLine } from '../util';

interface Dash {
  traffic: Array<{ minute: number; zone: string; bytes: number }>;
  alerts: Array<{ t: number; alerts: number; blocked: number }>;
  topTalkers: Array<{ ip: string; zone: string; bytes: number; flows: number }>;
  blocked: { alerts: number; cacheEntries: number };
  totals: { alerts: number; devices: number; honeypotSessions: number };
}

const COLORS: Record<string, string> = {
  wan: '#c0392b',
  lan: '#2471a3',
  iot: '#229954',
  dmz: '#b7950b',
  gateway: '#7d3c98',
};

export function Dashboard() {
  const { data, error } = useLoad<Dash>('/api/dashboard');
  const traffic = useMemo(() => {
    const minutes = [...new Set((data?.traffic ?? []).map((r) => r.minute))].sort((a, b) => a - b);
    const zones = [...new Set((data?.traffic ?? []).map((r) => r.zone))].sort();
    const idx = new Map(minutes.map((m, i) => [m, i]));
    const series = zones.map((z) => ({ name: z, color: COLORS[z] ?? '#555', values: minutes.map(() => 0) }));
    for (const r of data?.traffic ?? []) series[zones.indexOf(r.zone)].values[idx.get(r.minute)!] += r.bytes;
    return { x: minutes.map((m) => m * 60), series };
  }, [data]);
  const alerts = useMemo(
    () => ({
      x: (data?.alerts ?? []).map((a) => a.t / 1000),
      series: [
        { name: 'alerts', color: '#c0392b', values: (data?.alerts ?? []).map((a) => a.alerts) },
        { name: 'blocked', color: '#2471a3', values: (data?.alerts ?? []).map((a) => a.blocked) },
      ],
    }),
    [data],
  );
  if (!data) return <ErrorLine error={error} />;
  return (
    <div>
      <div className="cards">
        <div className="card">
          Alerts<strong>{data.totals.alerts}</strong>
        </div>
        <div className="card">
          Blocked alerts<strong>{data.blocked.alerts}</strong>
        </div>
        <div className="card">
          Blocking cache entries<strong>{data.blocked.cacheEntries}</strong>
        </div>
        <div className="card">
          Devices<strong>{data.totals.devices}</strong>
        </div>
        <div className="card">
          Honeypot sessions<strong>{data.totals.honeypotSessions}</strong>
        </div>
      </div>
      <div className="cards">
        <section className="panel">
          <h3>Traffic per zone (bytes per minute)</h3>
          {traffic.x.length ? (
            <Chart label="Traffic per zone over time" x={traffic.x} series={traffic.series} yFormat={bytes} />
          ) : (
            <p>No flows recorded.</p>
          )}
        </section>
        <section className="panel">
          <h3>Alerts over time (per minute)</h3>
          {alerts.x.length ? (
            <Chart label="Alerts and blocked alerts over time" x={alerts.x} series={alerts.series} />
          ) : (
            <p>No alerts.</p>
          )}
        </section>
      </div>
      <section className="panel">
        <h3>Top talkers</h3>
        <table>
          <thead>
            <tr>
              <th>Address</th>
              <th>Zone</th>
              <th>Bytes</th>
              <th>Flows</th>
            </tr>
          </thead>
          <tbody>
            {data.topTalkers.map((t) => (
              <tr key={t.ip + t.zone}>
                <td>{t.ip}</td>
                <td>{t.zone}</td>
                <td>{bytes(t.bytes)}</td>
                <td>{t.flows}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
