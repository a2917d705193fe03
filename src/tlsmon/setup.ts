/**
 * Assembles a TLS monitor from an operator's configuration: the policy file, the history store (SQLite by default,
 * Redis when shared), trust anchors and CRLs from the policy file, optional geolocation and domain stores, intel
 * lists, alert channels, and — live only — the nftables block sink. One place, used by `moat analyze --policy`,
 * `moat tlsmon` and the API, so every entry point scores the same way. Stores arrive as handles the caller opened
 * (and closes): the monitor opens no file or connection of its own.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { RedisClient, SqliteStore } from '../store/index.js';
import { loadPolicyFile } from './policy/load.js';
import type { PolicyFile } from './policy/schema.js';
import { TlsMonitor } from './monitor.js';
import { TlsMonitorInspector } from './inspector.js';
import type { HandshakeFeatures } from './features.js';
import type { FlowView } from '../flow/index.js';
import { MemoryHeatHistory } from './history/memory-history.js';
import { SqliteHeatHistory } from './history/sqlite-history.js';
import { RedisHeatHistory } from './history/redis-history.js';
import { TrustStore } from './trust/chain-verifier.js';
import { RevocationService } from './trust/revocation.js';
import { ServiceCertificateCache } from './certificate-cache.js';
import { CertificateFetcher } from './certificate-fetch.js';
import { loadIntelLists, mmdbCountries } from './intel-adapters.js';
import { identifyReputation, IdentifyReputation } from './identify-adapter.js';
import { DomainStore, parseDomainFile } from './domain-store.js';
import { dispatcherOf } from './channels.js';
import { NftBlockSink } from './nft-block.js';
import type { NftablesDriver } from '../gateway/index.js';
import type { AddressList, CertificateBlacklist, FingerprintBlacklist, TlsmonServices } from './services.js';
import type { AlertDispatcher } from '../output/index.js';
import type { Publisher } from '../framework/index.js';

export interface TlsmonConfig {
  policyPath: string;
  /** The store keeping heat history and domains; none: memory only. */
  store?: SqliteStore;
  /** Share heat counts through Redis instead of the store. */
  redis?: RedisClient;
  geoDb?: string;
  domainFiles?: string[];
  /** Extra trust anchors besides the policy file's (PEM/DER files). */
  caFiles?: string[];
  /** The dated Mozilla store's folder (roots.tsv, roots-all.pem); overrides the policy file's trust.rootsHistory. */
  rootsHistory?: string;
  /** Platform root stores besides the policy file's trust.platformRoots: name → files or folders. */
  platformRoots?: Record<string, string[]>;
  /** Threat-intel feed files (SSLBL, DROP, IPsum, plain lists, MISP, STIX; format detected per file). */
  intelFiles?: string[];
  certBlacklist?: CertificateBlacklist;
  fingerprintBlacklist?: FingerprintBlacklist;
  addressBlacklist?: AddressList;
  addressReputation?: AddressList;
  /** A store holding identification models (moat identify train): its verdicts feed address reputation (T-46). */
  identifyStore?: SqliteStore;
  /** Told about bad feed lines (kept going with the good ones). */
  warn?: (message: string) => void;
  /** Fetch certificates TLS 1.3 hid, from the service itself (live only: needs reachability). */
  fetchCertificates?: boolean;
  /** Live enforcement. */
  block?: { nft: NftablesDriver; mode: 'flow' | 'destination'; timeoutS: number };
  /** Deliver alerts to the policy's channels (off for dry runs). */
  deliverAlerts?: boolean;
  /** The message bus risky verdicts are published on (topic `verdict`). */
  bus?: Publisher;
}

export interface Tlsmon {
  monitor: TlsMonitor;
  inspector: TlsMonitorInspector;
  /** The policy's alert channels: the pipeline delivers the inspector's alerts here (runAnalysis `alertChannels`). */
  dispatcher?: AlertDispatcher;
  blockSink?: NftBlockSink;
  store?: SqliteStore;
  /** Re-reads the intel feed files and swaps the blacklists in place, without a restart (SIGHUP, the API). */
  reloadIntel(): { indicators: number; errors: string[] };
  close(): Promise<void>;
}

/** Flush SQLite history every this many verdicts (and at the end): one transaction per batch. */
const FLUSH_EVERY = 2000;

function relativeTo(file: string, p: string): string {
  return isAbsolute(p) ? p : resolve(dirname(file), p);
}

function platformsOf(file: PolicyFile, policyPath: string, cfg: TlsmonConfig): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, paths] of Object.entries(file.trust.platformRoots))
    out[name] = paths.map((p) => relativeTo(policyPath, p));
  for (const [name, paths] of Object.entries(cfg.platformRoots ?? {}))
    out[name] = [...(out[name] ?? []), ...paths];
  return out;
}

export function servicesFor(file: PolicyFile, policyPath: string, cfg: TlsmonConfig): TlsmonServices {
  const store = cfg.store;
  const svc: TlsmonServices = {
    chain: new TrustStore({
      bundledRoots: file.trust.bundledRoots,
      rootsHistory:
        cfg.rootsHistory ??
        (file.trust.rootsHistory !== undefined ? relativeTo(policyPath, file.trust.rootsHistory) : undefined),
      caFiles: [...file.trust.caFiles.map((f) => relativeTo(policyPath, f)), ...(cfg.caFiles ?? [])],
      platforms: platformsOf(file, policyPath, cfg),
    }),
    revocation: new RevocationService({
      crlFiles: file.trust.crlFiles.map((f) => relativeTo(policyPath, f)),
    }),
    certBlacklist: cfg.certBlacklist,
    fingerprintBlacklist: cfg.fingerprintBlacklist,
    addressBlacklist: cfg.addressBlacklist,
    addressReputation: cfg.addressReputation,
  };
  if (cfg.intelFiles?.length) {
    const lists = loadIntelLists(cfg.intelFiles);
    svc.certBlacklist ??= lists.certBlacklist;
    svc.fingerprintBlacklist ??= lists.fingerprintBlacklist;
    svc.addressBlacklist ??= lists.addressBlacklist;
    svc.addressReputation ??= lists.addressReputation;
    if (lists.errors.length > 0) {
      cfg.warn?.(
        `${lists.errors.length} bad feed line(s) skipped, e.g. ${lists.errors.slice(0, 3).join('; ')}`,
      );
    }
  }
  if (cfg.geoDb) svc.geo = mmdbCountries(cfg.geoDb);
  if (cfg.identifyStore && !svc.addressReputation) {
    const r = identifyReputation(cfg.identifyStore);
    svc.addressReputation = r.list;
    if (r.modelVersion === null)
      cfg.warn?.('identification store has no active model: reputation comes from its intel only');
  }
  if (cfg.domainFiles?.length) {
    const domains = new DomainStore(store);
    for (const f of cfg.domainFiles) {
      const { rows, errors } = parseDomainFile(f);
      if (errors.length > 0) throw new Error(`domain file problems:\n  ${errors.slice(0, 20).join('\n  ')}`);
      domains.load(rows, f);
    }
    svc.domains = domains;
  } else if (store) {
    const domains = new DomainStore(store);
    if (domains.size > 0) svc.domains = domains;
  }
  return svc;
}

export async function createTlsmon(cfg: TlsmonConfig): Promise<Tlsmon> {
  const file = loadPolicyFile(cfg.policyPath);
  const store = cfg.store;
  const svc = servicesFor(file, cfg.policyPath, cfg);
  const maxWindow = 30 * 86400;
  let sqlite: SqliteHeatHistory | undefined;
  let redis: RedisHeatHistory | undefined;
  if (cfg.redis) svc.history = redis = new RedisHeatHistory(cfg.redis, 60, maxWindow);
  else if (store) svc.history = sqlite = new SqliteHeatHistory(store, 60, maxWindow);
  else svc.history = new MemoryHeatHistory(60, maxWindow);

  const cache = new ServiceCertificateCache();
  const fetcher = cfg.fetchCertificates ? new CertificateFetcher(cache) : undefined;
  const monitor = new TlsMonitor(file, svc, { cache, fetcher });
  const dispatcher = cfg.deliverAlerts === false ? undefined : dispatcherOf(file);
  const blockSink = cfg.block
    ? new NftBlockSink(cfg.block.nft, cfg.block.mode, cfg.block.timeoutS)
    : undefined;
  if (cfg.block) await cfg.block.nft.install();

  let sinceFlush = 0;
  const onEvaluated = (f: HandshakeFeatures): void => {
    if (sqlite && ++sinceFlush >= FLUSH_EVERY) {
      sqlite.flush();
      sinceFlush = 0;
    }
    // Shared history: refresh this connection's keys so the next verdicts see other monitors' counts.
    if (redis) void redis.prefetch(monitor.historyKeys(f)).catch(() => undefined);
  };
  // The identification model judges a destination by its traffic: it sees every flow end.
  const identify = svc.addressReputation instanceof IdentifyReputation ? svc.addressReputation : undefined;
  const inspector = new TlsMonitorInspector(monitor, {
    block: blockSink,
    verdicts: cfg.bus,
    onEvaluated,
    ...(identify ? { onFlowEnd: (flow: FlowView) => identify.observeFlow(flow) } : {}),
    onClose: async () => {
      await blockSink?.drain();
      sqlite?.flush();
    },
  });
  const reloadIntel = (): { indicators: number; errors: string[] } => {
    if (!cfg.intelFiles?.length) return { indicators: 0, errors: [] };
    // Built completely before the swap: a connection is scored against either the old lists or the new ones.
    const lists = loadIntelLists(cfg.intelFiles);
    svc.certBlacklist = lists.certBlacklist;
    svc.fingerprintBlacklist = lists.fingerprintBlacklist;
    svc.addressBlacklist = lists.addressBlacklist;
    if (!cfg.identifyStore) svc.addressReputation = lists.addressReputation;
    return { indicators: lists.indicators, errors: lists.errors };
  };
  return {
    monitor,
    inspector,
    dispatcher,
    blockSink,
    store,
    reloadIntel,
    async close() {
      await inspector.close();
      await dispatcher?.close();
      await redis?.close();
    },
  };
}
