/**
 * The device registry as the IoT gateway component's device source: each registered device with an address
 * and a zone, by MAC, with the protocols discovery saw it speak. The component filters by the zones it serves; a
 * device's record is read afresh on every request, so a new lease, a changed address or a new protocol shows at once.
 */
import type { IotDevice, IotDeviceSource } from '../iot/index.js';
import type { DeviceRecord } from './model.js';

/** Device ids the IoT component accepts (they go into MQTT user names and topics). */
const ID = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/;

export function iotDeviceOf(d: DeviceRecord): IotDevice | undefined {
  // The component talks IPv4 to devices it controls today; the registry keeps the most recent address first.
  const address = d.ips.find((ip) => !ip.includes(':')) ?? d.ips[0];
  if (!address || !d.zone || !ID.test(d.mac)) return undefined;
  return {
    id: d.mac,
    address,
    zone: d.zone,
    name: d.hostname ?? undefined,
    protocols: [...d.protocols],
  };
}

/**
 * Devices from the registry, plus the ones the IoT configuration lists by hand (their HTTP/CoAP paths and MQTT
 * prefixes are configured there); a configured id wins over the registry's record of the same id.
 */
export function registryIotSource(
  registry: { list(): readonly DeviceRecord[] },
  configured: readonly IotDevice[] = [],
): IotDeviceSource {
  const ids = new Set(configured.map((d) => d.id));
  return {
    devices: () => {
      const out: IotDevice[] = [...configured];
      for (const r of registry.list()) {
        if (ids.has(r.mac)) continue;
        const d = iotDeviceOf(r);
        if (d) out.push(d);
      }
      return out;
    },
  };
}
