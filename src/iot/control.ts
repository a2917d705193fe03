/**
 * User control signalling towards devices under the user's authorisation. Every step — switching,
 * setting a value, provisioning a device's credentials — needs an authorisation record (who, which step, when)
 * that names this device and this step, has not expired and has a use left. Without one the step is refused and
 * nothing leaves for the device. Every attempt, refused or done, is written to the audit log.
 */
import { randomUUID } from 'node:crypto';
import type { IotBroker } from './broker.js';
import { coapOk, coapRequest } from './coap-client.js';
import { newPassword } from './credentials.js';
import {
  mqttPrefix,
  resolveDevice,
  type IotDevice,
  type IotProtocol,
  type ResolvedDevice,
} from './device.js';
import { BadStep, DeviceFailure, NoProtocol, NotAuthorised, UnknownDevice } from './errors.js';
import { httpRequest } from './http-client.js';
import { knownProtocols } from './protocols.js';
import type { Authorisation, IotStore, StepAction } from './store.js';

export interface StepRequest {
  action: 'power' | 'set';
  /** For `set`: the value's name (`brightness`). */
  key?: string;
  value: string;
}

export interface ControlRequest extends StepRequest {
  authorisation?: string;
  /** Force one protocol; default: the best known for the device. */
  via?: IotProtocol;
}

export interface ControlResult {
  deviceId: string;
  via: IotProtocol;
  key: string;
  value: string;
  /** The device reported the new value (MQTT: its own state message; CoAP/HTTP: a success answer). */
  confirmed: boolean;
  detail: string;
  authorisation: string;
}

export interface GrantRequest {
  deviceId: string;
  action: StepAction;
  key?: string;
  /** Absent: any value of that step. */
  value?: string;
  who: string;
  ttlSeconds?: number;
  uses?: number;
}

export interface ControlOptions {
  store: IotStore;
  broker?: IotBroker;
  /** The device with this id now, or undefined (also for devices outside the zones served). */
  device: (id: string) => IotDevice | undefined;
  timeoutMs: number;
  /** How long to wait for an MQTT device to report the state it was told. */
  confirmMs: number;
  /** Where devices reach the broker, for provisioning answers. */
  brokerAddress?: { host: string; port: number };
}

const KEY = /^[A-Za-z0-9_-]{1,32}$/;

export class DeviceControl {
  constructor(private readonly o: ControlOptions) {}

  private deviceOf(id: string): ResolvedDevice {
    const d = this.o.device(id);
    if (!d) throw new UnknownDevice(`no device ${JSON.stringify(id)} in the zones this gateway serves`);
    return resolveDevice(d);
  }

  /** Records the user's authorisation of one step. */
  grant(g: GrantRequest): Authorisation {
    this.deviceOf(g.deviceId);
    if (g.action === 'set' && (g.key === undefined || !KEY.test(g.key)))
      throw new BadStep('a `set` authorisation needs key: the value’s name (letters, digits, _ -)');
    if (g.action === 'power' && g.value !== undefined && g.value !== 'on' && g.value !== 'off')
      throw new BadStep('a `power` authorisation’s value is on or off');
    const now = Date.now();
    const a: Authorisation = {
      id: randomUUID(),
      deviceId: g.deviceId,
      action: g.action,
      key: g.action === 'set' ? g.key! : null,
      value: g.action === 'credentials' ? null : (g.value ?? null),
      who: g.who,
      grantedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + (g.ttlSeconds ?? 600) * 1000).toISOString(),
      usesLeft: g.uses ?? 1,
    };
    this.o.store.addAuthorisation(a);
    return a;
  }

  /**
   * Takes one use of the authorisation for this step, or refuses (audited) with the reason. Checked before
   * anything is prepared for the device.
   */
  private authorise(
    deviceId: string,
    step: { action: StepAction; key: string | null; value: string | null },
    id?: string,
  ): Authorisation {
    const { store } = this.o;
    const refuse = (why: string): never => {
      store.audit({
        deviceId,
        action: step.action,
        key: step.key,
        value: step.value,
        who: null,
        authorisationId: id ?? null,
        outcome: 'refused',
        via: null,
        detail: why,
      });
      throw new NotAuthorised(`not authorised: ${why}; nothing was sent to the device`);
    };
    if (!id) return refuse('no authorisation given');
    const a = store.authorisation(id);
    if (!a) return refuse(`authorisation ${id} does not exist`);
    if (a.deviceId !== deviceId) return refuse(`authorisation ${id} is for device ${a.deviceId}`);
    if (a.action !== step.action)
      return refuse(`authorisation ${id} is for step ${a.action}, not ${step.action}`);
    if (a.key !== null && a.key !== step.key)
      return refuse(`authorisation ${id} is for ${a.key}, not ${step.key}`);
    if (a.value !== null && a.value !== step.value)
      return refuse(`authorisation ${id} is for value ${a.value}, not ${step.value}`);
    if (Date.parse(a.expiresAt) <= Date.now()) return refuse(`authorisation ${id} expired at ${a.expiresAt}`);
    if (!store.consume(a.id)) return refuse(`authorisation ${id} has no use left`);
    return a;
  }

  async control(deviceId: string, req: ControlRequest): Promise<ControlResult> {
    const d = this.deviceOf(deviceId);
    const key = req.action === 'power' ? 'power' : req.key;
    if (key === undefined || !KEY.test(key))
      throw new BadStep('`set` needs key: the value’s name (letters, digits, _ -)');
    if (req.action === 'power' && req.value !== 'on' && req.value !== 'off')
      throw new BadStep('power is on or off');
    const a = this.authorise(
      deviceId,
      { action: req.action, key: req.action === 'set' ? key : null, value: req.value },
      req.authorisation,
    );
    const via = this.pick(d, req.via);
    const audit = (outcome: 'sent' | 'failed', detail: string) =>
      this.o.store.audit({
        deviceId,
        action: req.action,
        key,
        value: req.value,
        who: a.who,
        authorisationId: a.id,
        outcome,
        via,
        detail,
      });
    try {
      const { confirmed, detail } = await this.send(d, via, key, req.value);
      audit('sent', detail);
      return { deviceId, via, key, value: req.value, confirmed, detail, authorisation: a.id };
    } catch (e) {
      audit('failed', (e as Error).message);
      throw new DeviceFailure(`${deviceId} via ${via}: ${(e as Error).message}`);
    }
  }

  private pick(d: ResolvedDevice, via?: IotProtocol): IotProtocol {
    const connected = this.o.broker?.connected.has(d.id) ?? false;
    const known = knownProtocols(d, this.o.store, connected);
    if (via) {
      if (via === 'mqtt' && !connected) throw new NoProtocol(`${d.id} is not logged in to the MQTT broker`);
      return via;
    }
    if (known.length === 0)
      throw new NoProtocol(`no IoT protocol known for ${d.id}: identify it first (or name one with via)`);
    if (known[0] === 'mqtt' && !connected)
      throw new NoProtocol(`${d.id} speaks MQTT but is not logged in now`);
    return known[0];
  }

  private async send(
    d: ResolvedDevice,
    via: IotProtocol,
    key: string,
    value: string,
  ): Promise<{ confirmed: boolean; detail: string }> {
    const { timeoutMs } = this.o;
    if (via === 'mqtt') {
      const broker = this.o.broker!;
      let stopListening = () => {};
      const confirmed = new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), this.o.confirmMs);
        stopListening = broker.onState((id, k, v) => {
          if (id === d.id && k === key && v === value) {
            clearTimeout(t);
            resolve(true);
          }
        });
      });
      await broker.command(d, key, value);
      const ok = await confirmed;
      stopListening();
      return {
        confirmed: ok,
        detail: `${mqttPrefix(d)}/cmd/${key} ← ${value}${ok ? '; device reported it' : '; no state report yet'}`,
      };
    }
    if (via === 'coap') {
      const c = d.coap ?? { port: 5683, statusPath: '/status', controlPrefix: '' };
      const path = `${c.controlPrefix}/${key}`;
      const a = await coapRequest({
        host: d.address,
        port: c.port,
        method: 'PUT',
        path,
        payload: value,
        timeoutMs,
      });
      if (!coapOk(a.code)) throw new Error(`PUT ${path} answered ${a.code}`);
      return { confirmed: true, detail: `PUT coap ${path} → ${a.code}` };
    }
    const h = d.http ?? { port: 80, statusPath: '/status', controlPrefix: '/control' };
    const path = `${h.controlPrefix}/${key}`;
    const a = await httpRequest({
      host: d.address,
      port: h.port,
      method: 'PUT',
      path,
      body: value,
      timeoutMs,
    });
    if (a.status < 200 || a.status > 299) throw new Error(`PUT ${path} answered ${a.status}`);
    return { confirmed: true, detail: `PUT http ${path} → ${a.status}` };
  }

  /** The device's state: its last MQTT state messages, or its CoAP/HTTP status resource. */
  async status(
    deviceId: string,
    via?: IotProtocol,
  ): Promise<{ deviceId: string; via: IotProtocol; values: Record<string, unknown>; at: string }> {
    const d = this.deviceOf(deviceId);
    const p = this.pick(d, via);
    const { timeoutMs } = this.o;
    if (p === 'mqtt') {
      const s = this.o.broker!.states.get(d.id);
      return { deviceId, via: p, values: s?.values ?? {}, at: s?.updatedAt ?? '' };
    }
    try {
      const raw =
        p === 'coap'
          ? await coapRequest({
              host: d.address,
              port: d.coap?.port ?? 5683,
              method: 'GET',
              path: d.coap?.statusPath ?? '/status',
              timeoutMs,
            }).then((a) => {
              if (!coapOk(a.code)) throw new Error(`GET answered ${a.code}`);
              return a.payload.toString('utf8');
            })
          : await httpRequest({
              host: d.address,
              port: d.http?.port ?? 80,
              method: 'GET',
              path: d.http?.statusPath ?? '/status',
              timeoutMs,
            }).then((a) => {
              if (a.status < 200 || a.status > 299) throw new Error(`GET answered ${a.status}`);
              return a.body.toString('utf8');
            });
      return { deviceId, via: p, values: parseState(raw), at: new Date().toISOString() };
    } catch (e) {
      throw new DeviceFailure(`${deviceId} via ${p}: ${(e as Error).message}`);
    }
  }

  /**
   * Makes new MQTT credentials for a device (a configuration step: A-12). The password is returned once and kept
   * only hashed; an older one stops working.
   */
  async provision(deviceId: string, authorisation?: string) {
    const d = this.deviceOf(deviceId);
    const a = this.authorise(deviceId, { action: 'credentials', key: null, value: null }, authorisation);
    const { password, salt, hash } = await newPassword();
    this.o.store.putCredentials(d.id, salt, hash, a.id);
    this.o.store.audit({
      deviceId,
      action: 'credentials',
      key: null,
      value: null,
      who: a.who,
      authorisationId: a.id,
      outcome: 'sent',
      via: 'mqtt',
      detail: 'new MQTT credentials issued',
    });
    return {
      deviceId,
      username: d.id,
      clientId: d.id,
      password,
      prefix: mqttPrefix(d),
      broker: this.o.brokerAddress,
      authorisation: a.id,
    };
  }
}

function parseState(raw: string): Record<string, unknown> {
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    return { state: v };
  } catch {
    return { state: raw.slice(0, 1024) };
  }
}
