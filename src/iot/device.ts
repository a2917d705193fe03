/**
 * The devices the IoT gateway component talks to, as it needs them: an id, an address, the zone it sits in
 * and the protocols seen so far. The device registry (src/devices) satisfies `IotDeviceSource`; a YAML list does
 * for `moat iot` run on its own. Where a device's HTTP or CoAP resources are is per device, with defaults.
 */
import { z } from 'zod';
import { tryParseIp } from '../address/index.js';

/** The IoT protocols this component speaks; a registry may report others (RTSP, Telnet …), kept as seen. */
export const IOT_PROTOCOLS = ['mqtt', 'coap', 'http'] as const;
export type IotProtocol = (typeof IOT_PROTOCOLS)[number];

/** Device ids go into MQTT user names and topics: no wildcard, separator or space (MAC addresses fit). */
export const deviceIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/, 'expected a device id: letters, digits, : . _ - (at most 64)');

const path = z.string().regex(/^\/[\x21-\x7e]*$/, 'expected an absolute path, e.g. /status');
const port = z.number().int().min(1).max(65535);

export const iotDeviceSchema = z
  .object({
    id: deviceIdSchema,
    address: z.string().refine((s) => tryParseIp(s) !== undefined, 'expected an IPv4 or IPv6 address'),
    zone: z.string().min(1),
    name: z.string().optional(),
    /** Protocols the registry saw the device speak (names as it words them). */
    protocols: z.array(z.string()).default([]),
    mqtt: z
      .object({
        /** Topic prefix the device owns: it publishes `<prefix>/state/<key>`, receives `<prefix>/cmd/<key>`. */
        prefix: z
          .string()
          .regex(/^[^#+\s]+$/, 'expected a topic prefix without wildcards or spaces')
          .refine((s) => !s.startsWith('$') && !s.endsWith('/'), 'no leading $ or trailing /')
          .optional(),
      })
      .strict()
      .optional(),
    coap: z
      .object({
        port: port.default(5683),
        /** GET here answers the device's state (JSON object or text). */
        statusPath: path.default('/status'),
        /** PUT `<controlPrefix>/<key>` with the value sets it (`/power` with `on`). */
        controlPrefix: z
          .string()
          .regex(/^(\/[\x21-\x7e]*)?$/)
          .default(''),
      })
      .strict()
      .optional(),
    http: z
      .object({
        port: port.default(80),
        statusPath: path.default('/status'),
        /** PUT `<controlPrefix>/<key>` with the value as the body. */
        controlPrefix: z
          .string()
          .regex(/^(\/[\x21-\x7e]*)?$/)
          .default('/control'),
      })
      .strict()
      .optional(),
  })
  .strict();

export type IotDevice = z.input<typeof iotDeviceSchema>;
export type ResolvedDevice = z.output<typeof iotDeviceSchema>;

/** What the component asks of a registry: the devices now (called on every request; keep it cheap). */
export interface IotDeviceSource {
  devices(): readonly IotDevice[];
}

/** A fixed list (a YAML file, a test). */
export function staticDevices(list: readonly IotDevice[]): IotDeviceSource {
  return { devices: () => list };
}

/** The MQTT topic prefix a device owns. */
export function mqttPrefix(d: Pick<IotDevice, 'id' | 'mqtt'>): string {
  return d.mqtt?.prefix ?? `devices/${d.id}`;
}

export function resolveDevice(d: IotDevice): ResolvedDevice {
  return iotDeviceSchema.parse(d);
}
