/** `moat honeypot [--config FILE]`: runs the configured services until SIGINT/SIGTERM. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';
import { StoreSet } from '../stores.js';
import { InstanceStore } from '../../honeypot/index.js';
import {
  captureSettings,
  loadHoneypotConfig,
  readKeyFile,
  SessionCapture,
  type HoneypotConfig,
} from '../../honeypot/index.js';
import { OperationalError } from '../../framework/errors.js';
import { createRedisClient } from '../../store/index.js';
import { RelayGate, RelayLink } from '../../honeypot/index.js';
import {
  Pseudonymiser,
  honeypotLabel,
  recordSandboxIncidents,
  subscribeHoneypotIncidents,
  type IncidentSink,
} from '../../dataset/index.js';
import type { SqliteStore } from '../../store/index.js';
import { randomBytes } from 'node:crypto';
import { Honeypot } from '../../honeypot/index.js';
import { eveNow } from '../../output/index.js';
import { EveLog } from '../../honeypot/index.js';
import { startTelnet } from '../../honeypot/index.js';
import { startSsh } from '../../honeypot/index.js';
import { startHttp } from '../../honeypot/index.js';
import { startMqtt } from '../../honeypot/index.js';
import { startCatchAll } from '../../honeypot/index.js';
import type { ListeningService } from '../../honeypot/index.js';
import { analyzeSample, type BehaviourReport } from '../../sandbox/index.js';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { untilStopped } from '../signals.js';

/** The model registry opens (and loads TensorFlow.js) only when a malicious session with a capture comes in. */
let registry: Promise<IncidentSink> | undefined;
function openRegistry(store: SqliteStore): Promise<IncidentSink> {
  registry ??= (async () => {
    const { MlRegistry, tfReady } = await import('../../ml/index.js');
    return new MlRegistry(store, await tfReady());
  })();
  return registry;
}
async function sandboxIncidents(store: SqliteStore, r: BehaviourReport): Promise<number> {
  if (!r.dynamic?.pcap || !r.labels.some((l) => l !== 'benign')) return 0;
  return recordSandboxIncidents(await openRegistry(store), {
    sha256: r.sha256,
    labels: r.labels,
    pcap: r.dynamic.pcap,
  });
}

/** The honeypot's own capture (A-81): opened once the services listen, on their ports. */
function openCapture(cfg: HoneypotConfig, ports: number[], eve: EveLog): SessionCapture | undefined {
  const settings = captureSettings(cfg);
  if (!settings.enabled || ports.length === 0) return undefined;
  try {
    const c = new SessionCapture(settings, ports, cfg.bind);
    process.stderr.write(`moat honeypot: capturing sessions on ${c.iface} (${c.bpf}) into ${settings.dir}\n`);
    return c;
  } catch (e) {
    if (!settings.optional || !(e instanceof OperationalError)) throw e;
    const why = e.message;
    process.stderr.write(
      `moat honeypot: sessions are not captured: ${why} (needs CAP_NET_RAW; set capture.enabled: false to silence, capture.optional: false to refuse to start)\n`,
    );
    eve.write({
      timestamp: eveNow(),
      event_type: 'honeypot',
      honeypot: { action: 'capture_unavailable', detail: why },
    });
    return undefined;
  }
}

export const registerHoneypot: RegisterCommand = (program: Command) => {
  program
    .command('honeypot')
    .description(
      'run the honeypot services (telnet, SSH, HTTP personas, MQTT, catch-all); samples go to the sandbox',
    )
    .option('--config <file>', 'YAML/JSON configuration (ports, download scope, limits, paths)')
    .option('--db <file>', "the store: instances (default: the configuration's database)")
    .option(
      '--bus <url>',
      "publish honeypot-session on this Redis Streams bus (default: the configuration's bus)",
    )
    .option('--no-incidents', "do not record ended sessions as the model registry's incidents")
    .action(async (flags: { config?: string; db?: string; bus?: string; incidents: boolean }) => {
      // Configuration errors (HoneypotConfigError) reach the operator as one line through cli/main.ts.
      const cfg = loadHoneypotConfig(flags.config, (m) => process.stderr.write(`moat honeypot: ${m}\n`));
      let relayKey: Buffer | undefined;
      let scrubKey: Buffer | undefined;
      if (cfg.relay) {
        relayKey = readKeyFile(cfg.relay.keyFile, 'relay.keyFile');
        scrubKey = cfg.relay.pseudonymKeyFile
          ? readKeyFile(cfg.relay.pseudonymKeyFile, 'relay.pseudonymKeyFile', 16)
          : randomBytes(32);
      }
      const stores = new StoreSet();
      const where = flags.db ? '--db' : 'database';
      const store = stores.sqliteStore(where, flags.db ?? cfg.database, 'honeypot instances');
      // The instances' table is migrated here, before any service listens.
      const instances = new InstanceStore(store);
      mkdirSync(dirname(cfg.eve), { recursive: true });
      const eve = new EveLog(cfg.eve);
      // A-72…A-75: read-only commands go through the relay's device end to a real device, the rest stay here.
      let link: RelayLink | undefined;
      const relay = cfg.relay;
      if (relay && relayKey && scrubKey) {
        link = new RelayLink({
          id: relay.id,
          key: relayKey,
          fingerprint: relay.deviceEnd.fingerprint,
          host: relay.deviceEnd.host,
          port: relay.deviceEnd.port,
          onState: (state, detail) => {
            process.stderr.write(`moat honeypot: relay ${state}${detail ? `: ${detail}` : ''}\n`);
            eve.write({
              timestamp: eveNow(),
              event_type: 'honeypot',
              honeypot: {
                action: `relay_${state}`,
                device_end: `${relay.deviceEnd.host}:${relay.deviceEnd.port}`,
                detail,
              },
            });
          },
        });
        await link.start();
      }
      const pseudonyms = scrubKey ? new Pseudonymiser(scrubKey) : undefined;
      // Running sandbox analyses finish (and tear their namespaces down) before the process exits.
      const analyses = new Set<Promise<void>>();
      // Each sample's sandbox verdict, for the label of the session that fetched it.
      const verdicts = new Map<string, Promise<BehaviourReport | undefined>>();
      // A-1: sessions go out on the bus as they start and end; the registry's incident path is one consumer.
      const { InProcessBus, RedisStreamsBus } = await import('../../framework/index.js');
      const busUrl = flags.bus ?? cfg.bus;
      const bus = busUrl
        ? new RedisStreamsBus({ redis: createRedisClient, url: busUrl })
        : new InProcessBus();
      if (flags.incidents)
        await subscribeHoneypotIncidents(
          bus,
          () => openRegistry(store),
          (added, m) => {
            if (added > 0)
              process.stderr.write(
                `moat honeypot: ${added} session(s) of ${m.session.id} saved as model-registry incidents\n`,
              );
          },
        );
      let capture: SessionCapture | undefined;
      let captureErrors = 0;
      const hp = new Honeypot({
        quarantineDir: cfg.quarantineDir,
        scope: cfg.downloadScope,
        limits: cfg.limits,
        timing: cfg.timing,
        instances,
        eve,
        gateFor:
          link && pseudonyms && relay
            ? (record) => new RelayGate(link, pseudonyms, relay.scrubNames, record.id)
            : undefined,
        onStart: (record) =>
          bus.publish('honeypot-session', { phase: 'started', session: structuredClone(record) }),
        onDone: async (record) => {
          if (capture && capture.counters.errors > captureErrors) {
            captureErrors = capture.counters.errors;
            process.stderr.write(
              `moat honeypot: capture: ${captureErrors} write error(s) so far, last: ${capture.lastError ?? '?'}\n`,
            );
          }
          // The label waits for the sandbox's verdicts on what the session fetched (bounded by its timeout).
          const runs = new Map<string, { sha256: string; labels: string[] }>();
          for (const s of record.samples) {
            const r = await verdicts.get(s.sha256);
            if (r) runs.set(s.sha256, { sha256: r.sha256, labels: r.labels });
          }
          bus.publish('honeypot-session', {
            phase: 'ended',
            session: structuredClone(record),
            labels: [honeypotLabel(record, runs)],
          });
        },
        onSample: (s) => {
          if (!cfg.sandbox.enabled) return;
          const report = analyzeSample(
            readFileSync(s.quarantine),
            {
              timeoutSeconds: cfg.sandbox.timeoutSeconds,
              reportDir: cfg.sandbox.reportDir,
              // The run's capture stays with its report: `moat dataset build --sandbox-reports` reads it (A-83).
              keepDir: join(cfg.sandbox.reportDir, 'captures'),
              onEvent: (e) => eve.write(e),
            },
            s.source,
          );
          verdicts.set(
            s.sha256,
            report.catch(() => undefined),
          );
          const run = report
            .then(async (r) => {
              // A-90: a malicious run's sessions join the saved traffic every candidate model is tested on.
              const added = flags.incidents ? await sandboxIncidents(store, r) : 0;
              if (added > 0)
                process.stderr.write(
                  `moat honeypot: ${added} sandbox session(s) of ${s.sha256.slice(0, 12)} saved as model-registry incidents\n`,
                );
            })
            .catch((e: Error) =>
              eve.write({
                timestamp: eveNow(),
                event_type: 'sandbox',
                sandbox: { sha256: s.sha256, error: e.message },
              }),
            );
          analyses.add(run);
          void run.finally(() => analyses.delete(run));
        },
      });
      const services: ListeningService[] = [];
      const shutDown = async (): Promise<void> => {
        hp.closeAll();
        link?.close();
        // Open capture files are closed now (no linger); then each ended session is published and consumed.
        await capture?.close();
        await Promise.all(services.map((s) => s.close()));
        await Promise.all([...analyses]);
        await hp.settled();
        // A bus that cannot deliver (Redis gone) does not keep the honeypot from stopping.
        let timer: NodeJS.Timeout | undefined;
        const late = await Promise.race([
          bus.close().then(() => false),
          new Promise<boolean>((r) => (timer = setTimeout(() => r(true), 5000))),
        ]);
        clearTimeout(timer);
        if (late)
          process.stderr.write('moat honeypot: the bus did not deliver within 5 s; messages may be lost\n');
        await eve.close();
        await stores.close();
      };
      try {
        for (const p of cfg.telnet) services.push(await startTelnet(hp, p, cfg.bind));
        for (const p of cfg.ssh) services.push(await startSsh(hp, p, cfg.bind));
        for (const h of cfg.http) services.push(await startHttp(hp, h.port, cfg.bind, h.persona));
        for (const p of cfg.mqtt) services.push(await startMqtt(hp, p, cfg.bind));
        for (const p of cfg.catchAll) services.push(await startCatchAll(hp, p, cfg.bind));
      } catch (err) {
        // A port in use stops the start: what already listens is closed again, so the process can end.
        await shutDown();
        throw err;
      }
      try {
        capture = openCapture(
          cfg,
          services.map((s) => s.port()),
          eve,
        );
      } catch (err) {
        await shutDown();
        throw err;
      }
      if (capture) {
        hp.recorder = capture;
        capture.start();
      }
      const stopped = untilStopped();
      for (const s of services) process.stderr.write(`moat honeypot: ${s.name} on ${cfg.bind}:${s.port()}\n`);
      await stopped;
      await shutDown();
    });
};
