import { useEffect, useState } from 'react';
import { api } from '../api';
import { useLoad, ErrorLine } from '../util';

interface Dev {
  mac: string;
  ip: string;
  zone: string;
  name: string;
  group: string;
  restricted: boolean;
  kind: string;
  active: boolean;
  lastSeen: string;
  /** From the device registry (in the gateway). */
  registry?: {
    vendor: string | null;
    type: string;
    group: string | null;
    restriction: { level: string; reason: string; by: string } | null;
  };
  iot: { protocols: string[]; connected: boolean; power: unknown } | null;
}

export function Devices({ admin }: { admin: boolean }) {
  const { data, error, reload } = useLoad<{ devices: Dev[]; registry: boolean; deviceGroups: string[] }>(
    '/api/devices',
  );
  const [filter, setFilter] = useState('');
  const [msg, setMsg] = useState<string>();
  useEffect(() => {
    addEventListener('moat-device', reload);
    return () => removeEventListener('moat-device', reload);
  }, [reload]);
  const act = async (method: string, path: string, body: unknown, what: string) => {
    try {
      await api(method, path, body);
      setMsg(what);
      reload();
    } catch (e) {
      setMsg((e as Error).message);
    }
  };
  const shown = (data?.devices ?? [])
    .filter(
      (d) =>
        !filter ||
        `${d.name} ${d.ip} ${d.mac} ${d.group} ${d.registry?.type ?? ''} ${d.registry?.vendor ?? ''}`.includes(
          filter,
        ),
    )
    .slice(0, 100);
  // Switching a device is a step the user authorises each time: the confirmation is that authorisation.
  const power = (d: Dev, on: boolean) => {
    if (!confirm(`Authorise switching ${d.name} ${on ? 'on' : 'off'}?`)) return;
    void act(
      'POST',
      `/api/devices/${d.mac}/power`,
      { power: on ? 'on' : 'off' },
      `${d.name} switched ${on ? 'on' : 'off'}`,
    );
  };
  const groups = [...new Set((data?.devices ?? []).map((d) => d.group))].sort();
  return (
    <div>
      <ErrorLine error={error} />
      <div className="field">
        <label htmlFor="device-filter">Filter devices</label>
        <input id="device-filter" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <span>
          {' '}
          {data ? `${data.devices.length} devices in ${groups.length} groups; showing ${shown.length}` : ''}
        </span>
      </div>
      {msg && <p role="status">{msg}</p>}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Address</th>
            <th>MAC</th>
            <th>Zone</th>
            {data?.registry && <th>Type (vendor)</th>}
            {data?.registry && <th>Device group</th>}
            <th>Group</th>
            <th>State</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((d) => (
            <tr key={d.mac} data-mac={d.mac}>
              <td>{d.name}</td>
              <td>{d.ip}</td>
              <td>{d.mac}</td>
              <td>{d.zone}</td>
              {data?.registry && (
                <td>
                  {d.registry?.type ?? '—'}
                  {d.registry?.vendor ? ` (${d.registry.vendor})` : ''}
                </td>
              )}
              {data?.registry && (
                <td>
                  {d.registry ? (
                    <select
                      aria-label={`Device group of ${d.name}`}
                      value={d.registry.group ?? ''}
                      disabled={!admin}
                      onChange={(e) =>
                        void act(
                          'PUT',
                          `/api/devices/${d.mac}`,
                          { deviceGroup: e.target.value || null },
                          `${d.name} moved to ${e.target.value || 'user devices'}`,
                        )
                      }
                    >
                      <option value="">user device</option>
                      {data.deviceGroups.map((g) => (
                        <option key={g} value={g}>
                          {g}
                        </option>
                      ))}
                    </select>
                  ) : (
                    'not registered yet'
                  )}
                </td>
              )}
              <td>
                <select
                  aria-label={`Group of ${d.name}`}
                  value={d.group}
                  disabled={!admin}
                  onChange={(e) =>
                    void act(
                      'PUT',
                      `/api/devices/${d.mac}`,
                      { group: e.target.value },
                      `${d.name} moved to ${e.target.value}`,
                    )
                  }
                >
                  {[...new Set([...groups, 'Family', 'IoT', 'Guests', 'Work'])].map((g) => (
                    <option key={g}>{g}</option>
                  ))}
                </select>
              </td>
              <td>
                {d.restricted ? (
                  <strong className="error">
                    restricted{d.registry?.restriction ? ` (${d.registry.restriction.level})` : ''}
                  </strong>
                ) : d.active ? (
                  'online'
                ) : (
                  'offline'
                )}
                {d.iot && (
                  <span data-testid={`power-${d.mac}`}>
                    {' '}
                    · {d.iot.connected ? 'on MQTT' : 'not on MQTT'}
                    {d.iot.power != null ? `, power ${String(d.iot.power)}` : ''}
                  </span>
                )}
              </td>
              <td>
                <button
                  type="button"
                  disabled={!admin}
                  aria-label={`Rename ${d.name}`}
                  onClick={() => {
                    const name = prompt(`New name for ${d.name}`, d.name);
                    if (name) void act('PUT', `/api/devices/${d.mac}`, { name }, `renamed to ${name}`);
                  }}
                >
                  Rename
                </button>
                <button
                  type="button"
                  disabled={!admin}
                  aria-label={`${d.restricted ? 'Lift restriction on' : 'Restrict'} ${d.name}`}
                  onClick={() =>
                    void act(
                      'POST',
                      `/api/devices/${d.mac}/restriction`,
                      { restricted: !d.restricted },
                      `${d.name} ${d.restricted ? 'unrestricted' : 'restricted'}`,
                    )
                  }
                >
                  {d.restricted ? 'Unrestrict' : 'Restrict'}
                </button>
                {d.iot && (
                  <>
                    <button
                      type="button"
                      disabled={!admin}
                      aria-label={`Switch ${d.name} on`}
                      onClick={() => power(d, true)}
                    >
                      On
                    </button>
                    <button
                      type="button"
                      disabled={!admin}
                      aria-label={`Switch ${d.name} off`}
                      onClick={() => power(d, false)}
                    >
                      Off
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
