/**
 * The IoT gateway component as the framework runs it: the MQTT broker on the IoT zone, protocol
 * identification, device control under the user's authorisation, the device-control API, and the initial
 * security check on first deployment. Devices come from an `IotDeviceSource` (the device registry, or the
 * configuration's list); only those in the zones served are touched.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Component, Health } from '../framework/index.js';
import { ConfigError, listenFailure } from '../framework/errors.js';
import type { SqliteStore } from '../store/index.js';
import { buildIotApi } from './api.js';
import { IotBroker } from './broker.js';
import type { CheckReport } from './check/finding.js';
import { runCheck } from './check/run.js';
import type { IotConfig } from './config.js';
import { DeviceControl } from './control.js';
import { mqttPrefix, resolveDevice, type IotDevice, type IotDeviceSource } from './device.js';
import { UnknownDevice } from './errors.js';
import { identifyProtocols, knownProtocols } from './protocols.js';
import { IotStore } from './store.js';

export interface IotGatewayOptions {
  config: IotConfig;
  store: SqliteStore;
  devices: IotDeviceSource;
  /** The API key (wins over the configuration's). The API does not start without one. */
  apiKey?: string;
  log?: (line: string) => void;
  dependsOn?: readonly string[];
}

export class IotGatewayComponent implements Component<IotConfig> {
  readonly name = 'iot';
  readonly dependsOn: readonly string[];
  readonly config: IotConfig;
  iotStore?: IotStore;
  broker?: IotBroker;
  control?: DeviceControl;
  private api?: FastifyInstance;
  private background = new Set<Promise<unknown>>();
  apiPort = 0;
  lastError?: string;

  constructor(private readonly o: IotGatewayOptions) {
    this.config = o.config;
    this.dependsOn = o.dependsOn ?? [];
  }

  /** The devices in the zones served. */
  served(): IotDevice[] {
    return this.o.devices.devices().filter((d) => this.config.zones.includes(d.zone));
  }

  private device(id: string): IotDevice | undefined {
    return this.served().find((d) => d.id === id);
  }

  async start(): Promise<void> {
    const { config, log } = this;
    const store = new IotStore(this.o.store);
    this.iotStore = store;
    const broker = new IotBroker({ ...config.broker, store, device: (id) => this.device(id), log });
    await broker.start();
    this.broker = broker;
    this.control = new DeviceControl({
      store,
      broker,
      device: (id) => this.device(id),
      timeoutMs: config.timeoutMs,
      confirmMs: config.confirmMs,
      brokerAddress: { host: config.broker.host, port: broker.port },
    });
    const apiKey = this.o.apiKey ?? config.api?.apiKey;
    if (config.api) {
      if (!apiKey) {
        await broker.stop();
        throw new ConfigError('api: an API key is required (api.apiKey, --api-key or MOAT_IOT_API_KEY)');
      }
      const app = buildIotApi(
        {
          control: this.control,
          store,
          devices: () => this.describe(),
          identify: (id) => this.identify(id),
          check: (ids) => this.check('on-demand', ids),
        },
        { apiKey },
      );
      try {
        await app.listen({ host: config.api.host, port: config.api.port });
      } catch (e) {
        await broker.stop();
        throw listenFailure('IoT device-control API', config.api.host, config.api.port, e);
      }
      this.api = app;
      this.apiPort = (app.server.address() as AddressInfo).port;
    }
    this.track(Promise.all(this.served().map((d) => this.identify(d.id).catch(() => undefined))));
    if (config.check.onFirstDeployment && store.checkRunCount() === 0) {
      log(`iot: first deployment: checking ${this.served().length} device(s)`);
      this.track(this.check('first-deployment').catch((e: Error) => (this.lastError = e.message)));
    }
  }

  private log = (line: string) => this.o.log?.(line);

  private track(p: Promise<unknown>): void {
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  /** Protocol identification of one device. */
  async identify(id: string) {
    const d = this.device(id);
    if (!d || !this.iotStore)
      throw new UnknownDevice(`no device ${JSON.stringify(id)} in the zones this gateway serves`);
    const rows = await identifyProtocols(resolveDevice(d), this.iotStore, {
      timeoutMs: this.config.timeoutMs,
      mqttConnected: (x) => this.broker?.connected.has(x) ?? false,
    });
    return { deviceId: id, protocols: rows };
  }

  /** The initial security check of the devices served (or the ones named); stored, returned. */
  async check(reason: CheckReport['reason'], ids?: string[]): Promise<CheckReport> {
    const served = this.served();
    if (ids)
      for (const id of ids)
        if (!served.some((d) => d.id === id))
          throw new UnknownDevice(`no device ${id} in the zones this gateway serves`);
    const targets = served.filter((d) => !ids || ids.includes(d.id));
    const report = await runCheck(targets, {
      concurrency: this.config.check.concurrency,
      perDeviceMs: this.config.check.perDeviceSeconds * 1000,
      reason,
    });
    this.iotStore?.putCheckRun(report.id, reason, report.startedAt, report.endedAt, report);
    const found = report.devices.reduce((n, d) => n + d.findings.length, 0);
    this.log(`iot: check (${reason}): ${report.devices.length} device(s), ${found} finding(s)`);
    return report;
  }

  describe() {
    const store = this.iotStore;
    return this.served().map((raw) => {
      const d = resolveDevice(raw);
      const connected = this.broker?.connected.has(d.id) ?? false;
      return {
        id: d.id,
        name: d.name,
        address: d.address,
        zone: d.zone,
        protocols: store ? knownProtocols(d, store, connected) : [],
        mqtt: { prefix: mqttPrefix(d), connected, credentials: Boolean(store?.credentials(d.id)) },
        state: this.broker?.states.get(d.id),
      };
    });
  }

  /** Background work (identification, the first check) to finish: for tests and an orderly stop. */
  async settled(): Promise<void> {
    while (this.background.size) await Promise.allSettled([...this.background]);
  }

  async stop(): Promise<void> {
    await this.api?.close();
    this.api = undefined;
    await this.broker?.stop();
    this.broker = undefined;
    // The first check writes to the store when it ends: let it, its time is bounded per device.
    await this.settled();
  }

  health(): Health {
    if (!this.broker) return { ok: false, detail: 'not started' };
    const c = this.broker.counters;
    return {
      ok: true,
      detail: `${this.served().length} device(s), ${this.broker.connected.size} on MQTT, ${c.refusedLogins} login(s) and ${c.refusedPublishes} publish(es) refused`,
    };
  }
}
