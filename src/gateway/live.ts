/**
 * The gateway's live parts (issue 12, points 3, 8, 10), built from the configuration and added to the daemon's
 * component registry: live inspection of the internal zones, the inter-component table polled from conntrack,
 * the tables' API, the self-isolation bundle and the user's HTTPS service on the backup port.
 */
import { join } from 'node:path';
import type { ComponentRegistry } from '../framework/index.js';
import type { SqliteStore } from '../store/index.js';
import { GatewayApi } from './api.js';
import { BackupService } from './backup-service.js';
import { Bundles, type BundleInfo } from './bundle.js';
import type { LoadedConfig } from './config.js';
import { listConntrack } from './conntrack.js';
import { DeviceTable } from './device-table.js';
import { LiveInspection, type CaptureStatus, type LiveAnalysis } from './inspection.js';
import { readIsolation, type IsolationState } from './isolation.js';
import { listNeighbours } from './neighbours.js';
import { PeersComponent, PeerTable } from './peers.js';
import { readSecret } from './secret.js';
import { gatewayStatus } from './status.js';

export interface GatewayLiveHost {
  readonly config: LoadedConfig;
  setIsolation(s: Omit<IsolationState, 'since'>): Promise<void>;
}

export const apiSocketPath = (stateDir: string): string => join(stateDir, 'api.sock');

export class GatewayLive {
  readonly inspection?: LiveInspection;
  readonly peers: PeerTable;
  readonly bundles: Bundles;
  readonly backup?: BackupService;
  private readonly peersComponent: PeersComponent;
  private readonly api: GatewayApi;
  lastBundle?: BundleInfo;

  constructor(
    private readonly host: GatewayLiveHost,
    store: SqliteStore,
    private readonly log: (line: string) => void,
    analysis?: LiveAnalysis,
  ) {
    const { config, plan } = host.config;
    const stateDir = config.stateDir;
    const insp = config.inspection;
    if (insp.enabled)
      this.inspection = new LiveInspection({
        interfaces:
          insp.interfaces ?? [...plan.internal, ...(plan.dmz ? [plan.dmz] : [])].map((z) => z.interface),
        eve: insp.eve ?? join(stateDir, 'eve.json'),
        rules: insp.rules,
        statsSeconds: insp.statsSeconds,
        bufferBytes: insp.bufferMB << 20,
        ringBytes: insp.ringMB << 20,
        snaplen: insp.snaplen,
        analysis,
        log,
      });
    this.peers = new PeerTable(plan, config.peers.ageMinutes);
    this.peersComponent = new PeersComponent({
      table: this.peers,
      pollSeconds: config.peers.pollSeconds,
      list: () => listConntrack(),
      log,
    });
    const devices = new DeviceTable(store);
    const tables = {
      plan: () => this.host.config.plan,
      devices: () => devices.list(),
      peers: () => this.peers.rows(),
      capture: () => this.inspection?.status(),
      status: () => gatewayStatus(this.host.config),
    };
    const key = readSecret(config.api, 'api');
    this.api = new GatewayApi({
      tables,
      socketPath: apiSocketPath(stateDir),
      tcp:
        config.api.port !== undefined && key !== undefined
          ? { hosts: [plan.internal[0].prefix.address.text, '127.0.0.1'], port: config.api.port, key }
          : undefined,
      log,
    });
    this.bundles = new Bundles(stateDir, {
      eve: () => this.inspection?.eveTail(insp.bundleEveMB << 20) ?? Buffer.alloc(0),
      pcap: () => this.inspection?.ring?.toPcap(),
      json: async () => ({
        'status.json': await gatewayStatus(this.host.config),
        'isolation.json': readIsolation(stateDir),
        'tables.json': {
          devices: devices.list(),
          neighbours: await listNeighbours(this.host.config.plan).catch((e: Error) => ({ error: e.message })),
          peers: this.peers.rows(),
          capture: this.inspection?.status(),
        },
      }),
    });
    const access = config.backup?.access;
    const password = access ? readSecret(access, 'backup.access') : undefined;
    if (config.backup && password !== undefined)
      this.backup = new BackupService({
        port: config.backup.port,
        host: '0.0.0.0',
        password,
        stateDir,
        bundles: this.bundles,
        status: () => gatewayStatus(this.host.config),
        unisolate: () => this.host.setIsolation({ isolated: false }),
        log,
      });
  }

  register(registry: ComponentRegistry): void {
    if (this.inspection) registry.add(this.inspection);
    registry.add(this.peersComponent).add(this.api);
    if (this.backup) registry.add(this.backup);
  }

  capture(): CaptureStatus | undefined {
    return this.inspection?.status();
  }

  /** On entering isolation, the logs and captured traffic are bundled for the user. */
  onIsolation(s: IsolationState): void {
    if (!s.isolated) return;
    this.bundles
      .make(`self-isolation: ${s.reason ?? 'no reason given'}`)
      .then((b) => {
        this.lastBundle = b;
        this.log(`self-isolation bundle: ${b.path} (${b.bytes} bytes)`);
      })
      .catch((e: unknown) => this.log(`self-isolation bundle failed: ${String(e)}`));
  }

  setPlan(): void {
    this.peers.setPlan(this.host.config.plan);
  }
}
