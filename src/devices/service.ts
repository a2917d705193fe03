/**
 * The devices component in the gateway daemon: the registry, discovery on the internal zones, the kernel's sets and
 * chains (as an extension of the gateway's table), the samples' log review and the restrictions it leads to —
 * reported on the bus (`device` topic, state `isolated`) and to the alert webhook — and the inter-component map.
 * Decisions written by `moat devices …` in another process are taken up within a second.
 */
import type { Component, Health, Publisher } from '../framework/index.js';
import { renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ConfigError } from '../framework/errors.js';
import {
  listNeighbours,
  runNft,
  type DevicesConfigSection,
  type GatewayExtension,
  type GatewayPlan,
  type Lease,
  type RulesetExtension,
} from '../gateway/index.js';
import { EventCacheTable, LogReview, reviewConfig, type ReviewHit } from '../security/index.js';
import type { SqliteStore } from '../store/index.js';
import { WebhookChannel, eveNow } from '../output/index.js';
import { DeviceCatalog, SHIPPED_TYPES } from './catalog.js';
import { Discovery, type DiscoveryZone } from './discovery.js';
import { InterComponentMap, type MapEntry } from './intercomponent.js';
import type { DeviceRecord, RestrictionLevel } from './model.js';
import { membership, renderDeviceRules, setUpdateScript } from './nft.js';
import { DeviceRegistry } from './registry.js';
import { Sampler, type Sample } from './sampler.js';
import { SampleModelCheck, type ModelHit } from './model-check.js';
import { neighbourObservations } from './neighbours.js';

/** How often the kernel's IPv6 neighbour table is read into the registry. */
const NEIGHBOURS_MS = 5000;

/** Signature id of a restriction the payload model asked for (the CNN's own, src/ml CNN_SID). */
const MODEL_SID = 9_500_101;

export interface DevicesRuntime {
  pid: number;
  updatedAt: string;
  registry: ReturnType<DeviceRegistry['counts']>;
  discovery?: Discovery['counts'];
  samples: { received: Record<string, number>; malformed: number };
  review: { connections: number; hits: number };
  /** The payload model's check of the samples, when configured. */
  model?: { version: string; pairs: string[] } & SampleModelCheck['stats'] & {
      byClass: Record<string, number>;
    };
  restrictions: DeviceService['restrictions'];
  alerts: { delivered: number; failed: number };
  map: MapEntry[];
  mapCounts: { aged: number; evicted: number };
  lastError?: string;
}

/** Where the daemon writes its devices runtime state. */
export const devicesRuntimeFile = (stateDir: string): string => join(stateDir, 'devices.json');

export interface DeviceServiceOptions {
  store: SqliteStore;
  /** The plan in force now (a reload may change it, sampling rates included); its config has a `devices` section. */
  plan: () => GatewayPlan;
  bus?: Publisher;
  log: (line: string) => void;
  /** Files relative to this directory (the gateway configuration's). */
  baseDir?: string;
}

export class DeviceService implements Component<DeviceServiceOptions> {
  readonly name = 'device-registry';
  readonly dependsOn = ['router'];
  readonly registry: DeviceRegistry;
  readonly catalog: DeviceCatalog;
  readonly map: InterComponentMap;
  discovery?: Discovery;
  readonly sampler: Sampler;
  readonly review: LogReview;
  /** The payload CNN's check of the densely sampled pairs (devices.model). */
  modelCheck?: SampleModelCheck;
  private modelVersion = '';
  readonly restrictions: Array<{ device: string; level: RestrictionLevel; rule: string; at: string }> = [];
  alertErrors = 0;
  alertsDelivered = 0;
  private timer?: NodeJS.Timeout;
  private neighbourTimer?: NodeJS.Timeout;
  private neighboursBusy = false;
  neighbourErrors = 0;
  private setsDirty = false;
  private setsBusy?: Promise<void>;
  private started = false;
  private lastError?: string;
  private readonly webhook?: WebhookChannel;

  constructor(readonly config: DeviceServiceOptions) {
    const c = devicesSection(config.plan());
    this.catalog = loadCatalog(c, config.baseDir);
    this.registry = new DeviceRegistry(config.store, { catalog: this.catalog, maxDevices: c.maxDevices });
    const nat = config.plan().config.nat;
    this.map = new InterComponentMap({
      tcpS: nat.tcpIdleSeconds ?? 7440,
      udpS: nat.udpIdleSeconds ?? 120,
      tMinutes: c.mapAgeingMinutes,
    });
    this.review = new LogReview(
      {
        cache: new EventCacheTable(),
        isDevice: (ip) => this.registry.get(ip) !== undefined,
        report: () => {},
      },
      reviewConfig({
        windowS: c.review.windowS,
        maxPorts: c.review.maxPorts,
        maxPeers: c.review.maxPeers,
        maxRepeat: c.review.maxRepeat,
        minSamples: c.review.minSamples,
      }),
    );
    if (c.alerts.webhook) this.webhook = new WebhookChannel(c.alerts.webhook);
    this.sampler = new Sampler(
      c.sampling.nflogGroup,
      (smp) => this.onSample(smp),
      config.log,
      (pair, f, b) => {
        if (this.modelCheck && this.cfg.model?.pairs.includes(pair as never))
          this.modelCheck.add(pair, f, b, Date.now());
      },
    );
    this.registry.onChange(() => this.scheduleSets());
  }

  /** The gateway's table gets the sets and chains; leases feed the registry. */
  extension(): GatewayExtension {
    return {
      ruleset: devicesRuleset(this.catalog, () => this.registry.list()),
      components: [this],
      onLeases: (leases, zoneOf) => this.onLeases(leases, zoneOf),
    };
  }

  private get cfg(): DevicesConfigSection {
    return devicesSection(this.config.plan());
  }

  onLeases(leases: readonly Lease[], zoneOf: (ip: string) => string | undefined): void {
    for (const l of leases) {
      const zone = zoneOf(l.ip);
      if (zone === undefined || zone === 'wan') continue;
      this.registry.observe({ mac: l.mac, ip: l.ip, zone, hostname: l.hostname });
    }
  }

  private zones(plan: GatewayPlan): DiscoveryZone[] {
    return plan.internal.map((z) => {
      const mask = z.prefix.prefix === 0 ? 0 : (~0 << (32 - z.prefix.prefix)) >>> 0;
      const net = z.prefix.network.n;
      return {
        name: z.name,
        interface: z.interface,
        self: z.prefix.address.text,
        contains: (ip: string) => {
          const n = ipv4Number(ip);
          return n !== undefined && (n & mask) >>> 0 === net;
        },
      };
    });
  }

  /**
   * The deployed payload CNN from the store (`moat ml`), for the samples of `devices.model.pairs`. A configuration
   * that asks for the model's check on a store without a deployed model is refused: the check would silently not be.
   */
  async loadModel(): Promise<void> {
    const m = this.cfg.model;
    if (!m) return;
    const { MlRegistry, Classifier, tfReady } = await import('../ml/index.js');
    const tf = await tfReady();
    const v = new MlRegistry(this.config.store, tf).active();
    if (!v)
      throw new ConfigError(
        `devices.model: no deployed payload CNN in ${this.config.store.location} (moat ml train --db ${this.config.store.location})`,
      );
    this.modelCheck = new SampleModelCheck(new Classifier(tf, v.file.manifest, v.params), {
      minConfidence: m.minConfidence,
      minBytes: m.minBytes,
      idleMs: m.idleSeconds * 1000,
    });
    this.modelVersion = `${v.file.manifest.version} (${v.file.sha256.slice(0, 16)})`;
    this.config.log(`devices: payload CNN ${this.modelVersion} checks the ${m.pairs.join(', ')} samples`);
  }

  async start(): Promise<void> {
    const c = this.cfg;
    const plan = this.config.plan();
    await this.loadModel();
    if (c.discovery) {
      this.discovery = new Discovery(this.registry, {
        zones: this.zones(plan),
        ssdp: c.ssdp,
        log: this.config.log,
        onConnection: (from, to, protocol, port) => this.lateral(from, to, protocol, port),
      });
      this.discovery.start();
    }
    this.sampler.start();
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
    this.neighbourTimer = setInterval(() => void this.pollNeighbours(), NEIGHBOURS_MS);
    this.neighbourTimer.unref();
    this.started = true;
    this.scheduleSets();
  }

  /** IPv6 addresses from ND (the kernel's neighbour table) for the registry's devices. */
  async pollNeighbours(): Promise<void> {
    if (this.neighboursBusy) return;
    this.neighboursBusy = true;
    try {
      const plan = this.config.plan();
      const rows = await listNeighbours(plan);
      const internal = new Set(plan.internal.map((z) => z.name as string));
      for (const ob of neighbourObservations(rows, internal)) this.registry.observe(ob);
    } catch (e) {
      if (this.neighbourErrors++ < 3) this.config.log(`devices: neighbour table: ${(e as Error).message}`);
    } finally {
      this.neighboursBusy = false;
    }
  }

  private lateral(from: string, to: string, protocol: 'tcp' | 'udp', port: number): void {
    const a = this.registry.get(from);
    const b = this.registry.get(to);
    if (!a || !b) return;
    // Lateral = between the user-device component and the IoT gateway component.
    if ((a.group === null) === (b.group === null)) return;
    this.map.record(
      { fromGroup: a.group ?? 'user', toGroup: b.group ?? 'user', from, to, protocol, port },
      Date.now(),
    );
  }

  private onSample(s: Sample): void {
    const rate = this.rateOf(s.pair);
    const now = Date.now() * 1000;
    const hits = this.review.observeConnection(
      { device: s.device, peer: s.peer, proto: s.proto, dstPort: s.dstPort, bytes: s.bytes, startUs: now },
      rate,
      now,
    );
    for (const h of hits) this.onHit(h);
  }

  private rateOf(pair: string): number {
    const r = this.cfg.sampling;
    const by: Record<string, number> = {
      between_groups: r.betweenGroups,
      user_user: r.userToUser,
      user_to_iot: r.userToIot,
      iot_to_user: r.iotToUser,
      to_internet: r.toInternet,
    };
    return by[pair] ?? 1;
  }

  private onHit(h: ReviewHit): void {
    const level = this.cfg.restrictOn[h.rule];
    const d = this.registry.get(h.device);
    if (!level || !d || d.restriction) return;
    const reason = `log review: ${h.alert.signature.msg.replace(/^MOAT log review: /, '')} (${Math.round(h.value)} > ${h.limit} in ${h.alert.review.windowS} s)`;
    this.restrict(d, h.device, level, reason, h.rule, {
      gid: h.alert.signature.gid,
      sid: h.alert.signature.sid,
      msg: h.alert.signature.msg,
    });
  }

  /** The payload model flagged a connection's payload: its sender is restricted (devices.model.restrictAs). */
  private onModelHit(h: ModelHit): void {
    const m = this.cfg.model;
    const d = this.registry.get(h.device);
    if (!m || !d || d.restriction) return;
    const reason = `payload model: ${h.className} (confidence ${h.confidence.toFixed(2)}) in ${h.proto === 6 ? 'tcp' : 'udp'} ${h.device}:${h.srcPort} → ${h.peer}:${h.dstPort}, sampled ${h.pair}`;
    this.restrict(d, h.device, m.restrictAs, reason, 'model', {
      gid: 1,
      sid: MODEL_SID,
      msg: `MOAT payload model: ${h.className}`,
    });
  }

  private restrict(
    d: DeviceRecord,
    ip: string,
    level: RestrictionLevel,
    reason: string,
    rule: string,
    sig: { gid: number; sid: number; msg: string },
  ): void {
    this.registry.restrict(d.mac, level, reason, rule === 'model' ? 'model' : `log-review:${rule}`);
    const at = new Date().toISOString();
    this.restrictions.push({ device: d.mac, level, rule, at });
    if (this.restrictions.length > 1000) this.restrictions.shift();
    this.config.log(`devices: ${d.mac} (${ip}, ${d.type}) restricted: ${level}; ${reason}`);
    this.config.bus?.publish('device', {
      ip,
      mac: d.mac,
      name: d.hostname ?? undefined,
      zone: d.zone === 'lan' ? 'user' : (d.zone ?? undefined),
      kind: d.type,
      state: 'isolated',
      at,
    });
    this.alert(d, level, reason, rule, sig);
  }

  private alert(
    d: DeviceRecord,
    level: RestrictionLevel,
    reason: string,
    rule: string,
    sig: { gid: number; sid: number; msg: string },
  ): void {
    if (!this.webhook) return;
    this.webhook
      .deliver({
        timestamp: eveNow(),
        event_type: 'alert',
        src_ip: d.ips[0],
        alert: {
          action: 'blocked',
          gid: sig.gid,
          signature_id: sig.sid,
          signature: sig.msg,
          category: 'Device restricted',
          severity: 1,
        },
        moat: {
          device: { mac: d.mac, type: d.type, group: d.group, zone: d.zone },
          restriction: { level, reason, rule },
        },
      })
      .then(
        () => this.alertsDelivered++,
        (e: unknown) => {
          this.alertErrors++;
          this.config.log(`devices: alert webhook: ${(e as Error).message}`);
        },
      );
  }

  /** What `moat devices status|map` show: written to the state directory every second. */
  snapshot(): DevicesRuntime {
    return {
      pid: process.pid,
      updatedAt: new Date().toISOString(),
      registry: this.registry.counts(),
      discovery: this.discovery?.counts,
      samples: { received: { ...this.sampler.received }, malformed: this.sampler.malformed },
      review: { connections: this.review.flowsReviewed, hits: this.review.hits.length },
      model: this.modelCheck && {
        version: this.modelVersion,
        pairs: [...(this.cfg.model?.pairs ?? [])],
        ...this.modelCheck.stats,
        byClass: { ...this.modelCheck.byClass },
      },
      restrictions: this.restrictions.slice(-50),
      alerts: { delivered: this.alertsDelivered, failed: this.alertErrors },
      map: this.map.list(),
      mapCounts: { aged: this.map.aged, evicted: this.map.evicted },
      lastError: this.lastError,
    };
  }

  /** Once a second: decisions from other processes, the store, the model's batch, the runtime file. */
  tick(): void {
    try {
      for (const h of this.modelCheck?.tick(Date.now()) ?? []) this.onModelHit(h);
      this.registry.reloadDecisions();
      this.registry.flush();
      this.review.flush();
      const file = devicesRuntimeFile(this.config.plan().config.stateDir);
      writeFileSync(`${file}.tmp`, JSON.stringify(this.snapshot()));
      renameSync(`${file}.tmp`, file);
    } catch (e) {
      this.lastError = (e as Error).message;
      this.config.log(`devices: ${this.lastError}`);
    }
  }

  /** Set contents follow the registry: one transaction per batch of changes, never two at once. */
  private scheduleSets(): void {
    if (!this.started) return;
    this.setsDirty = true;
    if (this.setsBusy) return;
    this.setsBusy = (async () => {
      while (this.setsDirty) {
        this.setsDirty = false;
        await new Promise((r) => setTimeout(r, 20));
        try {
          const plan = this.config.plan();
          const m = deviceMembership(plan, this.catalog, this.registry.list());
          await runNft(['-f', '-'], setUpdateScript(plan.config.nftables.table, m));
        } catch (e) {
          this.lastError = (e as Error).message;
          this.config.log(`devices: updating the nftables sets: ${this.lastError}`);
        }
      }
      this.setsBusy = undefined;
    })();
  }

  /** Waits until the kernel's sets reflect the registry (tests). */
  async settled(): Promise<void> {
    while (this.setsBusy) await this.setsBusy;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.neighbourTimer) clearInterval(this.neighbourTimer);
    this.discovery?.stop();
    this.sampler.stop();
    await this.settled();
    this.tick();
    this.started = false;
  }

  health(): Health {
    const n = this.registry.counts();
    return {
      ok: this.started,
      detail: `${n.devices} device(s) (max ${n.maxDevices}, ${n.evicted} evicted)${this.lastError ? `; last error: ${this.lastError}` : ''}`,
    };
  }
}

function devicesSection(plan: GatewayPlan): DevicesConfigSection {
  const c = plan.config.devices;
  if (!c) throw new ConfigError('the gateway configuration has no devices section');
  return c;
}

/** The shipped device types and the user's (names relative to `baseDir`, the gateway configuration's folder). */
export function loadCatalog(c: DevicesConfigSection, baseDir?: string): DeviceCatalog {
  const rel = (f: string) => (isAbsolute(f) || !baseDir ? f : join(baseDir, f));
  return new DeviceCatalog([...c.types.map(rel), SHIPPED_TYPES]);
}

/** Set contents for the devices as they are, with the DMZ communication group's fixed members (A-53). */
export function deviceMembership(
  plan: GatewayPlan,
  catalog: DeviceCatalog,
  devices: readonly DeviceRecord[],
) {
  const dmz = [...(plan.config.devices?.dmzGroup ?? [])];
  if (plan.dmz?.tunnel) dmz.push(plan.dmz.tunnel.address.text);
  return membership(devices, [...catalog.groups.keys()], dmz);
}

/** The registry's part of the gateway's table: its chains depend on the groups and the configuration only. */
export function devicesRuleset(
  catalog: DeviceCatalog,
  devices: () => readonly DeviceRecord[],
): RulesetExtension {
  return {
    render: (plan, counters) =>
      renderDeviceRules(
        plan,
        devicesSection(plan),
        [...catalog.groups.keys()],
        deviceMembership(plan, catalog, devices()),
        counters,
      ),
  };
}

function ipv4Number(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
}
