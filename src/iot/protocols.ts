/**
 * Which IoT protocol each device speaks (A-6): what the registry saw it speak, whether it logged in to our broker,
 * and what it answers when asked inside its zone — CoAP resource discovery (`GET /.well-known/core`) and an HTTP
 * request. Each finding is kept in the store with where it came from.
 */
import { coapRequest } from './coap-client.js';
import { IOT_PROTOCOLS, type IotProtocol, type ResolvedDevice } from './device.js';
import { httpRequest } from './http-client.js';
import type { IotStore, ProtocolRow } from './store.js';

export interface ProbeOptions {
  timeoutMs: number;
  /** Is the device logged in to the broker now. */
  mqttConnected: (id: string) => boolean;
}

export async function identifyProtocols(
  d: ResolvedDevice,
  store: IotStore,
  o: ProbeOptions,
): Promise<ProtocolRow[]> {
  for (const p of d.protocols) {
    const name = p.toLowerCase();
    if ((IOT_PROTOCOLS as readonly string[]).includes(name)) store.putProtocol(d.id, name, 'registry');
  }
  if (o.mqttConnected(d.id)) store.putProtocol(d.id, 'mqtt', 'broker', 'logged in now');
  const coapPort = d.coap?.port ?? 5683;
  const httpPort = d.http?.port ?? 80;
  await Promise.all([
    coapRequest({
      host: d.address,
      port: coapPort,
      method: 'GET',
      path: '/.well-known/core',
      timeoutMs: o.timeoutMs,
    })
      .then((a) =>
        store.putProtocol(
          d.id,
          'coap',
          'probe',
          `udp/${coapPort} ${a.code} ${a.payload.toString('latin1').slice(0, 200)}`,
        ),
      )
      .catch(() => undefined),
    httpRequest({
      host: d.address,
      port: httpPort,
      method: 'GET',
      path: '/',
      timeoutMs: o.timeoutMs,
      maxBytes: 4096,
    })
      .then((a) => {
        const server = a.headers.server;
        store.putProtocol(
          d.id,
          'http',
          'probe',
          `tcp/${httpPort} ${a.status}${server ? ` ${String(server)}` : ''}`,
        );
      })
      .catch(() => undefined),
  ]);
  return store.protocols(d.id);
}

/** The protocols known for a device, best for control first: a broker session, then CoAP, then HTTP. */
export function knownProtocols(d: ResolvedDevice, store: IotStore, mqttConnected: boolean): IotProtocol[] {
  const known = new Set<string>(store.protocols(d.id).map((r) => r.protocol));
  for (const p of d.protocols) known.add(p.toLowerCase());
  if (mqttConnected) known.add('mqtt');
  const order: IotProtocol[] = mqttConnected ? ['mqtt', 'coap', 'http'] : ['coap', 'http', 'mqtt'];
  return order.filter((p) => known.has(p));
}
