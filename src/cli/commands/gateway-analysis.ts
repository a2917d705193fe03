/**
 * The engines of A-33 in `moat gateway`'s live inspection, composed here because they live in folders the gateway
 * folder does not load (security imports the gateway's nftables helpers): the identification model (Spec B, the
 * store's active version, followed across activations), the payload CNN (the ml registry's deployed model, classified
 * in batches once a second) and log review of the internal devices' flows. Model and CNN publish their verdicts on
 * the gateway's bus (topic `verdict`), where the incident policy makes blocking ones drop entries for that
 * destination; log review writes its own event cache, whose entries are announced on the bus (`cache-entry`). Either
 * way the verdict enforcer puts them in the kernel.
 */
import type { Inspector } from '../../pipeline/index.js';
import type { MessageBus, MoatTopics } from '../../framework/index.js';
import type { SqliteStore } from '../../store/index.js';
import type { LiveAnalysis, LoadedConfig } from '../../gateway/index.js';
import { zoneClassifier } from '../../gateway/index.js';

const internal = (z: string): boolean => z === 'lan' || z === 'iot';

/** The analysis the configuration asks for (`inspection.model|cnn|review`); none when it asks for none. */
export function gatewayAnalysis(
  loaded: () => LoadedConfig,
  store: SqliteStore,
  bus: MessageBus<MoatTopics>,
  log: (line: string) => void,
): LiveAnalysis | undefined {
  const insp = loaded().config.inspection;
  if (!insp.model && !insp.cnn && !insp.review) return undefined;
  const zoneOf = (ip: string): string => zoneClassifier(loaded().plan)(ip);
  const closers: Array<() => Promise<void> | void> = [];
  const ticks: Array<() => void> = [];
  const parts: Array<() => string> = [];
  return {
    async load(): Promise<Inspector[]> {
      const { FlowSampler } = await import('../../flow/index.js');
      const sampler = (rate: number) =>
        rate > 1 ? new FlowSampler({ zones: [], rates: [], defaultRate: rate }) : undefined;
      const out: Inspector[] = [];
      if (insp.review) {
        const { EventCacheTable, LogReview, LogReviewInspector, publishCacheChanges, reviewConfig } =
          await import('../../security/index.js');
        const r = insp.review;
        const cache = new EventCacheTable();
        const review = new LogReview(
          {
            cache,
            store,
            isDevice: (ip) => internal(zoneOf(ip)),
            zoneOf,
          },
          reviewConfig({
            ...(r.windowS !== undefined && { windowS: r.windowS }),
            ...(r.maxPeers !== undefined && { maxPeers: r.maxPeers }),
            ...(r.maxPorts !== undefined && { maxPorts: r.maxPorts }),
            ...(r.maxRepeat !== undefined && { maxRepeat: r.maxRepeat }),
          }),
        );
        const pub = publishCacheChanges(cache, bus);
        const ins = new LogReviewInspector(review, sampler(r.sample));
        out.push(ins);
        parts.push(() => `log review ${ins.sampled} flows, ${pub.published} entries announced`);
        log(`inspection: log review of ${r.sample === 1 ? 'every flow' : `1:${r.sample} of flows`}`);
      }
      if (insp.model) {
        const { ModelInspector, openModelService } = await import('../../security/index.js');
        let service;
        try {
          service = openModelService(store);
        } catch (e) {
          log(
            `inspection.model: ${(e as Error).message}; the model checks nothing until one is active (restart)`,
          );
        }
        if (service) {
          // An activation or rollback (`moat identify model activate`) is followed without a restart.
          service.watch(5000);
          const s = service;
          closers.push(() => s.stop());
          const m = new ModelInspector(service, {
            sampler: sampler(insp.model.sample),
            grayScore: insp.model.grayScore,
            // The WAN end of a flow is the suspect; the device is not.
            isRemote: (ip) => {
              const z = zoneOf(ip);
              return z === 'outside' || z === 'wan';
            },
            verdicts: bus,
            report: log,
          });
          out.push(m);
          parts.push(() => `model ${m.stats.scored} scorings, ${m.stats.alerts} alerts`);
          log(
            `inspection: identification model v${String(s.modelVersion)} checks ${insp.model.sample === 1 ? 'every flow' : `1:${insp.model.sample} of flows`}`,
          );
        }
      }
      if (insp.cnn) {
        const { MlRegistry, CnnInspector, CnnWorker, tfReady } = await import('../../ml/index.js');
        const v = new MlRegistry(store, await tfReady()).active();
        if (!v)
          log(`inspection.cnn: no deployed CNN in ${store.location} (moat ml train --db); the CNN is off`);
        else {
          // Inference runs on a worker thread: the daemon's thread hands over a batch and goes back to its packets.
          const worker = new CnnWorker(v.file.manifest, v.params);
          await worker.ready();
          const c = new CnnInspector(worker, {
            sampler: sampler(insp.cnn.sample),
            minConfidence: insp.cnn.minConfidence,
            verdicts: bus,
            report: log,
          });
          out.push(c);
          closers.push(() => worker.close());
          // A batch is handed over once a second, not in a packet callback; handing it over is what the daemon's
          // thread pays (measured), the classification time is the worker's.
          const batches = { n: 0, ms: 0, maxMs: 0 };
          ticks.push(() => {
            const before = c.pending;
            const t0 = performance.now();
            c.flush();
            if (c.pending === before) return;
            const ms = performance.now() - t0;
            batches.n++;
            batches.ms += ms;
            batches.maxMs = Math.max(batches.maxMs, ms);
          });
          parts.push(
            () =>
              `cnn ${c.stats.classified} classified (${c.stats.short} too short), ${c.stats.malicious} malicious, ${batches.n} batches handed to the worker in ${batches.n ? (batches.ms / batches.n).toFixed(2) : 0} ms mean, ${batches.maxMs.toFixed(2)} ms max, ${c.stats.dropped} flows dropped unclassified`,
          );
          log(
            `inspection: payload CNN ${v.file.manifest.version} (${v.file.sha256.slice(0, 16)}) checks ${insp.cnn.sample === 1 ? 'every flow' : `1:${insp.cnn.sample} of flows`} on a worker thread`,
          );
        }
      }
      for (const i of out) if (i.close) closers.unshift(() => i.close!());
      return out;
    },
    tick(): void {
      for (const t of ticks) t();
    },
    describe: () => parts.map((p) => p()).join('; '),
    async close(): Promise<void> {
      for (const c of closers.splice(0)) await c();
    },
  };
}
