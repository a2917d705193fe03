/**
 * `moat tlsmon`: the TLS tunnel monitor live (T-1…T-5, T-60…T-62): capture from an interface, score every
 * handshake under the policy set, write EVE with verdicts and alerts, deliver alerts, block risky connections in
 * nftables, and serve the configuration API. Runs until --duration ends or SIGINT/SIGTERM.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';
import { UsageError } from '../errors.js';
import { collect } from '../options.js';
import type { Tlsmon } from '../../tlsmon/setup.js';
import { PolicyError } from '../../tlsmon/policy/load.js';
import { parseDuration } from '../../tlsmon/policy/duration.js';
import { formatSummary } from '../summary.js';

interface Flags {
  interface: string;
  bpf?: string;
  policy: string;
  db: string;
  redis?: string;
  eve: string;
  duration?: string;
  api?: string;
  apiKey?: string;
  block?: boolean;
  blockMode: string;
  blockTime: string;
  netns?: string;
  fetchCerts?: boolean;
  ca: string[];
  intel: string[];
  domains: string[];
  geoip?: string;
  identifyDb?: string;
}

function hostPort(text: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--api: expected HOST:PORT, got '${text}'`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export const registerTlsmon: RegisterCommand = (program: Command) => {
  program
    .command('tlsmon')
    .description(
      'live TLS monitor (Spec T): score each handshake under per-network policies, alert and block',
    )
    .requiredOption('-i, --interface <name>', 'interface to capture from (libpcap)')
    .requiredOption('--policy <file>', 'policy YAML file')
    .option('--bpf <filter>', 'capture filter', 'tcp')
    .option('--db <path>', 'SQLite store for heat history, domains and policy versions', 'moat.db')
    .option(
      '--redis <url>',
      'share heat history with other monitors through Redis, e.g. redis://127.0.0.1:6379/0',
    )
    .option('--eve <path>', "EVE JSON output, '-' for stdout", 'eve.json')
    .option('--duration <time>', 'stop after this long (seconds or e.g. 10m)')
    .option('--api <host:port>', 'serve the configuration API here, e.g. 127.0.0.1:8642')
    .option('--api-key <key>', 'require this key (x-api-key) on the API')
    .option('--block', "carry out policies' block action in nftables")
    .option('--block-mode <mode>', 'block the flow (src, dst, port) or the whole destination', 'flow')
    .option('--block-time <time>', 'how long a block lasts', '10m')
    .option('--netns <name>', 'program nftables inside this network namespace')
    .option('--fetch-certs', 'fetch certificates TLS 1.3 hid from the server itself (cached)')
    .option('--ca <file>', 'extra trust anchor (repeatable)', collect, [])
    .option('--intel <file>', 'threat-intel feed (repeatable)', collect, [])
    .option('--domains <file>', 'domain reputation/registration file (repeatable)', collect, [])
    .option('--geoip <mmdb>', 'MaxMind-format country database')
    .option(
      '--identify-db <db>',
      'store with identification models: their verdicts feed address reputation (T-46)',
    )
    .action(async (f: Flags) => {
      if (!existsSync(f.policy)) throw new UsageError(`--policy: no such file: ${f.policy}`);
      if (f.blockMode !== 'flow' && f.blockMode !== 'destination')
        throw new UsageError(`--block-mode: 'flow' or 'destination', got '${f.blockMode}'`);
      const blockS = parseDuration(f.blockTime);
      if (blockS === undefined || blockS <= 0)
        throw new UsageError(`--block-time: not a duration: '${f.blockTime}'`);
      const durationS = f.duration === undefined ? undefined : parseDuration(f.duration);
      if (f.duration !== undefined && (durationS === undefined || durationS <= 0))
        throw new UsageError(`--duration: not a duration: '${f.duration}'`);
      const api = f.api ? hostPort(f.api) : undefined;

      const { openLiveCapture } = await import('../../capture/index.js');
      const { runAnalysis } = await import('../../pipeline/index.js');
      const { EveFileWriter } = await import('../../output/eve/writer.js');
      const { createTlsmon } = await import('../../tlsmon/setup.js');
      const { NftablesDriver } = await import('../../gateway/nftables.js');
      const { buildTlsmonApi } = await import('../../api/tlsmon/server.js');
      const { PolicyVersions } = await import('../../api/tlsmon/policy-versions.js');
      let mon: Tlsmon;
      try {
        mon = await createTlsmon({
          policyPath: f.policy,
          dbPath: f.db,
          redisUrl: f.redis,
          caFiles: f.ca,
          intelFiles: f.intel,
          domainFiles: f.domains,
          geoDb: f.geoip,
          identifyDb: f.identifyDb,
          fetchCertificates: f.fetchCerts,
          block: f.block
            ? { nft: new NftablesDriver({ netns: f.netns }), mode: f.blockMode, timeoutS: blockS }
            : undefined,
          warn: (m) => process.stderr.write(`moat: ${m}\n`),
        });
      } catch (err) {
        if (err instanceof PolicyError) throw new UsageError(err.message);
        throw new UsageError(err instanceof Error ? err.message : String(err));
      }
      const app = api
        ? buildTlsmonApi(
            {
              monitor: mon.monitor,
              versions: mon.db ? new PolicyVersions(mon.db) : undefined,
              reloadIntel: f.intel.length > 0 ? () => mon.reloadIntel() : undefined,
              stats: () => ({
                alerts: mon.dispatcher?.stats,
                blocked: mon.blockSink?.blocked,
                blockErrors: mon.blockSink?.errors.slice(-5),
              }),
            },
            { apiKey: f.apiKey },
          )
        : undefined;
      if (app && api) {
        const at = await app.listen({ host: api.host, port: api.port });
        process.stderr.write(`moat tlsmon: configuration API on ${at}\n`);
      }
      const writer = new EveFileWriter(f.eve, { flushIntervalMs: 1000 });
      const ac = new AbortController();
      const stop = (): void => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // SIGHUP re-reads the intel feeds (blacklists, reputation) without stopping the capture.
      const onHup = (): void => {
        const r = mon.reloadIntel();
        process.stderr.write(
          `moat tlsmon: intel reloaded: ${r.indicators} indicators, ${r.errors.length} bad lines\n`,
        );
      };
      process.on('SIGHUP', onHup);
      try {
        const source = openLiveCapture({ iface: f.interface, bpf: f.bpf, durationS });
        const stats = await runAnalysis(
          { source, iface: f.interface },
          { onLine: (l) => writer.writeLine(l), signal: ac.signal, inspectors: [mon.inspector] },
        );
        (f.eve === '-' ? process.stderr : process.stdout).write(formatSummary(stats) + '\n');
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        process.off('SIGHUP', onHup);
        await writer.close();
        await app?.close();
        await mon.close();
      }
    });
};
