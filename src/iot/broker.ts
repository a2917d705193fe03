/**
 * The MQTT broker moat runs on the IoT zone, aedes on a TCP listener. Every device logs in with its own
 * credentials (user name = device id, client id = device id); the ACL lets it publish only under its own prefix and
 * never on its command topics (`<prefix>/cmd/…`, the controller's), and subscribe only under its own prefix. The
 * controller publishes from inside the broker (no network client, no password to leak). What each device publishes
 * under `<prefix>/state/` is kept as its last known state.
 */
import { createServer, type Server } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { listenFailure } from '../framework/errors.js';
import { passwordMatches } from './credentials.js';
import { mqttPrefix, type IotDevice } from './device.js';
import type { IotStore } from './store.js';

export interface BrokerOptions {
  host: string;
  port: number;
  store: IotStore;
  /** The device with this id now (the registry's view, read on each login). */
  device: (id: string) => IotDevice | undefined;
  log?: (line: string) => void;
}

export interface DeviceState {
  /** Last value per key the device published under `<prefix>/state/<key>` (or the fields of `<prefix>/state`). */
  values: Record<string, string>;
  updatedAt: string;
}

type StateListener = (deviceId: string, key: string, value: string) => void;

const BAD_LOGIN = 4; // CONNACK: bad user name or password
const NOT_AUTHORISED = 5;

function authError(message: string, code: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
}

/** Is `topic` (or a topic filter) inside `prefix/`? Wildcards are allowed only after the prefix. */
export function underPrefix(topic: string, prefix: string): boolean {
  return topic.startsWith(`${prefix}/`) && !topic.slice(0, prefix.length).includes('+');
}

export class IotBroker {
  private aedes?: Aedes;
  private server?: Server;
  readonly states = new Map<string, DeviceState>();
  /** Devices logged in now, by id. */
  readonly connected = new Set<string>();
  readonly counters = { logins: 0, refusedLogins: 0, refusedPublishes: 0, refusedSubscriptions: 0 };
  private readonly listeners = new Set<StateListener>();
  port = 0;

  constructor(private readonly o: BrokerOptions) {}

  async start(): Promise<void> {
    const { store, device, log } = this.o;
    const deviceOf = (c: Client | null) =>
      c ? (c as unknown as { moatDevice?: string }).moatDevice : undefined;
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        const d = username === undefined ? undefined : device(username);
        const creds = d && store.credentials(d.id);
        const refuse = (why: string, code = BAD_LOGIN) => {
          this.counters.refusedLogins++;
          log?.(`mqtt: login refused for ${JSON.stringify(username ?? '')} (client ${client.id}): ${why}`);
          done(authError(why, code), false);
        };
        if (!d || !creds || !password) return refuse('unknown device or no credentials');
        // One session per device: a device must not take over another's session by reusing its client id.
        if (client.id !== d.id) return refuse(`client id must be the device id ${d.id}`, NOT_AUTHORISED);
        passwordMatches(password, creds).then(
          (ok) => {
            if (!ok) return refuse('wrong password');
            (client as unknown as { moatDevice: string }).moatDevice = d.id;
            this.counters.logins++;
            done(null, true);
          },
          (e: Error) => refuse(e.message),
        );
      },
      authorizePublish: (client, packet, done) => {
        if (client === null) return done(null); // the controller, inside the broker
        const id = deviceOf(client);
        const d = id === undefined ? undefined : device(id);
        const prefix = d && mqttPrefix(d);
        if (prefix && underPrefix(packet.topic, prefix) && !underPrefix(packet.topic, `${prefix}/cmd`))
          return done(null);
        this.counters.refusedPublishes++;
        log?.(`mqtt: ${id ?? client.id} may not publish on ${packet.topic}`);
        done(new Error(`publish on ${packet.topic} refused`));
      },
      authorizeSubscribe: (client, sub, done) => {
        const id = deviceOf(client);
        const d = id === undefined ? undefined : device(id);
        const prefix = d && mqttPrefix(d);
        if (prefix && underPrefix(sub.topic, prefix)) return done(null, sub);
        this.counters.refusedSubscriptions++;
        log?.(`mqtt: ${id ?? client.id} may not subscribe to ${sub.topic}`);
        done(null, null); // SUBACK 0x80 for this filter; the connection stays
      },
    });
    aedes.on('clientReady', (c) => {
      const id = deviceOf(c);
      if (id !== undefined) {
        this.connected.add(id);
        store.putProtocol(
          id,
          'mqtt',
          'broker',
          `logged in from ${c.conn && 'remoteAddress' in c.conn ? String(c.conn.remoteAddress) : '?'}`,
        );
      }
    });
    aedes.on('clientDisconnect', (c) => {
      const id = deviceOf(c);
      if (id !== undefined) this.connected.delete(id);
    });
    aedes.on('publish', (packet, client) => {
      const id = deviceOf(client);
      const d = id === undefined ? undefined : device(id);
      if (!d || !id) return;
      const statePrefix = `${mqttPrefix(d)}/state`;
      const text = packet.payload.toString();
      if (packet.topic === statePrefix) {
        // A whole state object: each field is a key.
        try {
          const obj = JSON.parse(text) as unknown;
          if (obj && typeof obj === 'object' && !Array.isArray(obj))
            for (const [k, v] of Object.entries(obj))
              this.setState(id, k, typeof v === 'string' ? v : JSON.stringify(v));
        } catch {
          this.setState(id, 'state', text);
        }
      } else if (packet.topic.startsWith(`${statePrefix}/`))
        this.setState(id, packet.topic.slice(statePrefix.length + 1), text);
    });
    this.aedes = aedes;
    const server = createServer((socket) => aedes.handle(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(listenFailure('MQTT broker', this.o.host, this.o.port, e)));
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    this.server = server;
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.o.port;
  }

  private setState(id: string, key: string, value: string): void {
    const s = this.states.get(id) ?? { values: {}, updatedAt: '' };
    s.values[key] = value.slice(0, 1024);
    s.updatedAt = new Date().toISOString();
    this.states.set(id, s);
    for (const l of this.listeners) l(id, key, value);
  }

  /** Calls `fn` for each state value a device publishes until the returned function is called. */
  onState(fn: StateListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The controller writes a command topic (QoS 1). */
  command(device: IotDevice, key: string, value: string): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return Promise.reject(new Error('the MQTT broker is not running'));
    const topic = `${mqttPrefix(device)}/cmd/${key}`;
    return new Promise((resolve, reject) =>
      aedes.publish(
        { cmd: 'publish', topic, payload: Buffer.from(value), qos: 1, retain: false, dup: false },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }

  async stop(): Promise<void> {
    // aedes first: it ends the device connections, which the listener's close waits for.
    const aedes = this.aedes;
    this.aedes = undefined;
    if (aedes) await new Promise<void>((r) => aedes.close(() => r()));
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
