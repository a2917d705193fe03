/**
 * `moat fl serve`: the vendor's federated-learning server (A-85…A-88) over HTTPS.
 *
 * A round: every participating appliance downloads the round's global model, trains on its own traffic and submits
 * the result as a model file signed with its key. When `expect` updates are in (or the round timeout passes with at
 * least `minUpdates`), the server scores each update on the reference traffic (A-85, ./fedavg.ts) and proposes one
 * block per update {model id, weight, parameters hash, submitter}, the submitters being the round's online
 * appliances. Each block is committed once a majority of them has signed it (A-86); when the round's blocks are all
 * committed, weighted FedAvg of the updates with the blocks' weights is the next round's global model (A-87).
 * Appliances recompute that fusion from the ledger before they accept the model (./fl-client.ts, A-88).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type * as TF from '@tensorflow/tfjs';
import { z } from 'zod';
import { buildModel, type Arch } from './arch.js';
import { fuseFraming, fuseInto, globalsNeeded, scoreUpdates } from './fedavg.js';
import { envelopeProblem, envelopeSchema, reportSchema, type Envelope } from './fl-protocol.js';
import type { FlStore } from './fl-store.js';
import type { SessionSet } from './idx.js';
import {
  Ledger,
  LedgerError,
  blockHash,
  keyRing,
  validSigners,
  type Block,
  type BlockBody,
  type Fusion,
} from './ledger.js';
import { serialiseModel } from './model-file.js';
import {
  buildModelFile,
  modelParams,
  signModel,
  verifyModel,
  type ModelMeta,
  type VerifiedModel,
} from './model-io.js';

export interface FlServerOptions {
  store: FlStore;
  tf: typeof TF;
  vendorKeyPem: string;
  /** Labelled reference traffic (malicious and benign) the updates are scored on. */
  reference: SessionSet;
  arch: Arch;
  classNames: string[];
  maliciousClasses: number[];
  /** Updates that close a round. */
  expect: number;
  /** Rounds to run; the global model after the last is final. */
  rounds: number;
  /** A round also closes this long after its first update, when it has at least `minUpdates`. */
  roundTimeoutMs?: number;
  minUpdates?: number;
  /** Reference macro-F1 an update must pass to get any weight. */
  floor?: number;
  seed?: number;
  /** How rounds are fused (absent: weighted FedAvg); written into every block. */
  fusion?: Fusion;
  https: { key: string; cert: string };
  log?: (line: string) => void;
}

const submitSchema = z.strictObject({ round: z.number().int().min(0), model: z.unknown() });
const signSchema = z.strictObject({
  index: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  value: z.string().max(200),
});

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class FlServer {
  readonly app: FastifyInstance;
  private firstUpdateAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: (line: string) => void;
  /** The store is async (PostgreSQL): requests that change state run one after the other, in arrival order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The open round, kept here so /v1/state needs no query. */
  private current: number;

  private constructor(
    private readonly o: FlServerOptions,
    private readonly ring: Map<string, string>,
    private readonly ledger: Ledger,
    private proposed: Block[],
    current: number,
  ) {
    this.log = o.log ?? (() => {});
    this.current = current;
    this.app = Fastify({ https: o.https, bodyLimit: 16 * 1024 * 1024, logger: false });
    this.routes();
  }

  /** A server on `o.store`, checked as an appliance would: a tampered block in it stops the start. */
  static async open(o: FlServerOptions): Promise<FlServer> {
    const ring = keyRing((await o.store.appliances()).map((k) => k.pem));
    const ledger = Ledger.verifyAll(await o.store.blocks('committed'), ring);
    const proposed = await o.store.blocks('proposed');
    let current = await o.store.currentRound();
    if (current === undefined) {
      const model = buildModel(o.tf, o.arch, o.seed ?? 1);
      const { specs, arrays } = modelParams(model);
      model.dispose();
      await o.store.openRound(0, globalFile(o, 0, arrays, specs));
      o.log?.('round 0 open: initial model signed by the vendor');
      current = 0;
    }
    return new FlServer(o, ring, ledger, proposed, current);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private async refreshRing(): Promise<void> {
    for (const k of await this.o.store.appliances())
      if (!this.ring.has(k.keyId)) this.ring.set(k.keyId, k.pem);
  }

  async state(): Promise<Record<string, unknown>> {
    const round = this.current;
    return {
      round,
      rounds: this.o.rounds,
      finished: round >= this.o.rounds,
      phase: this.proposed.length > 0 ? 'sign' : 'collect',
      submitted: (await this.o.store.updates(round)).map((u) => u.keyId),
      ledgerSize: this.ledger.blocks.length,
      root: this.ledger.root(),
    };
  }

  private async globalOf(round: number): Promise<VerifiedModel> {
    const g = await this.o.store.global(round);
    if (!g) throw new Refused(404, `round ${round} has no global model`);
    return verifyModel(g);
  }

  private async submit(e: Envelope): Promise<Record<string, unknown>> {
    await this.refreshRing();
    const problem = envelopeProblem(e, 'update', this.ring);
    if (problem) throw new Refused(403, `update refused: ${problem}`);
    const body = submitSchema.safeParse(e.body);
    if (!body.success) throw new Refused(400, `update: ${body.error.issues[0]?.message ?? 'malformed'}`);
    const round = this.current;
    if (round >= this.o.rounds) throw new Refused(409, `the ${this.o.rounds} rounds are over`);
    if (body.data.round !== round || (await this.o.store.roundClosed(round)))
      throw new Refused(409, `round ${body.data.round} is not open for updates (open: ${round}, collecting)`);
    let m: VerifiedModel;
    try {
      // The update is signed by the appliance that sends it.
      m = verifyModel(body.data.model, { trustedKeys: [this.ring.get(e.keyId) ?? ''] });
    } catch (err) {
      throw new Refused(400, `update refused: ${err instanceof Error ? err.message : String(err)}`);
    }
    const g = (await this.globalOf(round)).file.manifest;
    if (JSON.stringify(m.file.manifest.arch) !== JSON.stringify(g.arch))
      throw new Refused(400, "update refused: its architecture is not the global model's");
    const fresh = await this.o.store.addUpdate(
      round,
      e.keyId,
      m.file.sha256,
      m.file.manifest.paramsSha256,
      serialiseModel(m.file),
    );
    if (!fresh) throw new Refused(409, `appliance ${e.keyId} already submitted an update in round ${round}`);
    this.firstUpdateAt ??= Date.now();
    this.log(`round ${round}: update from ${e.keyId} (${m.file.sha256.slice(0, 12)})`);
    if ((await this.o.store.updates(round)).length >= this.o.expect) await this.closeRound(round);
    return { accepted: true, round, modelId: m.file.sha256 };
  }

  /** Scores the round's updates and proposes one block each. */
  private async closeRound(round: number): Promise<void> {
    const ups = await this.o.store.updates(round);
    const g = await this.globalOf(round);
    const params = ups.map((u) => verifyModel(u.modelJson).params);
    // Scored as networks alone: the global's framing table (the last round's sum) would be the same for all.
    const { logitAdjust: _table, ...bare } = g.file.manifest;
    const scores = scoreUpdates(this.o.tf, bare, params, this.o.reference, this.o.floor ?? 0.05, g.params);
    const online = ups.map((u) => u.keyId).sort();
    let prev = this.ledger.head;
    const at = new Date().toISOString();
    const proposed: Block[] = [];
    for (const [i, u] of ups.entries()) {
      await this.o.store.setScore(round, u.keyId, scores[i].f1, scores[i].norm, scores[i].weight);
      const body: BlockBody = {
        index: prev ? prev.index + 1 : 0,
        prevHash: prev ? prev.hash : '0'.repeat(64),
        round,
        modelId: u.modelId,
        paramsSha256: u.paramsSha256,
        weight: Number(scores[i].weight.toFixed(6)),
        submitter: u.keyId,
        online,
        at,
        ...(this.o.fusion ? { fusion: this.o.fusion } : {}),
      };
      const b: Block = { ...body, hash: blockHash(body), signatures: [] };
      prev = b;
      await this.o.store.putBlock(b, 'proposed');
      proposed.push(b);
    }
    this.proposed = proposed;
    await this.o.store.closeRound(round);
    this.firstUpdateAt = undefined;
    this.log(
      `round ${round} closed: ${ups.length} updates, F1 ${scores.map((s) => s.f1.toFixed(3)).join(' ')}, weights ${scores.map((s) => s.weight.toFixed(3)).join(' ')}`,
    );
  }

  private async sign(raw: unknown): Promise<Record<string, unknown>> {
    const s = signSchema.safeParse(raw);
    if (!s.success) throw new Refused(400, `signature: ${s.error.issues[0]?.message ?? 'malformed'}`);
    // Signing races the others: a block that reached its majority meanwhile is committed and needs no more.
    if (this.ledger.blocks[s.data.index]?.hash === s.data.hash)
      return { index: s.data.index, committed: true };
    const b = this.proposed.find((p) => p.index === s.data.index);
    if (!b || b.hash !== s.data.hash)
      throw new Refused(404, `no proposed block ${s.data.index} with that hash`);
    const sig = { keyId: s.data.keyId, value: s.data.value };
    if (validSigners({ ...b, signatures: [sig] }, this.ring).size !== 1)
      throw new Refused(403, `signature of ${s.data.keyId} on block ${b.index} does not verify`);
    if (!b.signatures.some((x) => x.keyId === sig.keyId)) b.signatures.push(sig);
    await this.o.store.putBlock(b, 'proposed');
    await this.commitReady();
    return { index: b.index, signatures: b.signatures.length, committed: !this.proposed.includes(b) };
  }

  /** Commits proposed blocks in order while each has its majority; fuses when the round's last one is in. */
  private async commitReady(): Promise<void> {
    while (this.proposed.length > 0) {
      const b = this.proposed[0];
      const need = Math.floor(b.online.length / 2) + 1;
      if (validSigners(b, this.ring).size < need) return;
      try {
        this.ledger.append(b);
      } catch (err) {
        if (err instanceof LedgerError) throw new Refused(409, err.message);
        throw err;
      }
      await this.o.store.putBlock(b, 'committed');
      this.proposed.shift();
      if (this.proposed.length === 0) await this.fuse(b.round);
    }
  }

  private async fuse(round: number): Promise<void> {
    const blocks = this.ledger.blocks.filter((b) => b.round === round);
    const g = await this.globalOf(round);
    const updates: { params: Float32Array[]; weight: number; framing: ModelMeta['logitAdjust'] }[] = [];
    for (const b of blocks) {
      const json = await this.o.store.update(round, b.submitter);
      if (!json) throw new Error(`round ${round}: the update of ${b.submitter} is missing from the store`);
      const m = verifyModel(json);
      updates.push({ params: m.params, weight: b.weight, framing: m.file.manifest.logitAdjust });
    }
    const fusion = blocks[0]?.fusion;
    const recent = [g.params];
    for (let k = 1; k < globalsNeeded(round + 1, fusion); k++)
      recent.push((await this.globalOf(round - k)).params);
    const fused = fuseInto(updates, recent, round + 1, fusion);
    const framing = fuseFraming(updates.map((u) => ({ framing: u.framing?.framing, weight: u.weight })));
    await this.o.store.openRound(
      round + 1,
      globalFile(this.o, round + 1, fused, g.file.manifest.weights, framing ? { framing } : undefined),
    );
    this.current = round + 1;
    this.log(`round ${round} fused from ${blocks.length} blocks; round ${round + 1} open`);
  }

  private routes(): void {
    const app = this.app;
    app.setErrorHandler((err, _req, reply) => {
      if (err instanceof Refused) return reply.code(err.status).send({ error: err.message });
      const msg = err instanceof Error ? err.message : String(err);
      const status = (err as { statusCode?: number }).statusCode;
      if (status && status < 500) return reply.code(status).send({ error: msg });
      this.log(`error: ${msg}`);
      return reply.code(500).send({ error: 'internal error' });
    });
    app.get('/v1/appliances', async () => ({ keys: await this.o.store.appliances() }));
    app.get('/v1/state', () => this.state());
    // Served from the store, as written: appliances check it, whatever happened to it on the server's disk.
    // A block is appended here before it is written as committed, so the root of as many blocks as the store
    // returned is that of the same chain even when a commit runs meanwhile.
    app.get('/v1/ledger', async () => {
      const blocks = await this.o.store.blocks('committed');
      return { blocks, root: this.ledger.root(blocks.length) };
    });
    app.get('/v1/pending', () => Promise.resolve({ blocks: this.proposed }));
    app.get<{ Params: { round: string } }>('/v1/global/:round', async (req, reply) => {
      const g = await this.o.store.global(Number(req.params.round));
      if (!g) throw new Refused(404, `round ${req.params.round} has no global model`);
      return reply.type('application/json').send(g);
    });
    app.get<{ Params: { round: string; key: string } }>('/v1/update/:round/:key', async (req, reply) => {
      const u = await this.o.store.update(Number(req.params.round), req.params.key);
      if (!u) throw new Refused(404, `no update of ${req.params.key} in round ${req.params.round}`);
      return reply.type('application/json').send(u);
    });
    app.get<{ Params: { index: string } }>('/v1/proof/:index', async (req) => {
      const i = Number(req.params.index);
      const b = this.ledger.blocks[i];
      if (!Number.isInteger(i) || !b) throw new Refused(404, `no committed block ${req.params.index}`);
      return {
        index: i,
        hash: b.hash,
        size: this.ledger.blocks.length,
        root: this.ledger.root(),
        proof: this.ledger.proof(i),
      };
    });
    app.post('/v1/submit', (req) => {
      const e = envelopeSchema.safeParse(req.body);
      if (!e.success) throw new Refused(400, `request: ${e.error.issues[0]?.message ?? 'malformed'}`);
      return this.exclusive(() => this.submit(e.data));
    });
    app.post('/v1/sign', (req) => this.exclusive(() => this.sign(req.body)));
    app.post('/v1/report', (req) => {
      const e = envelopeSchema.safeParse(req.body);
      if (!e.success) throw new Refused(400, `request: ${e.error.issues[0]?.message ?? 'malformed'}`);
      return this.exclusive(() => this.report(e.data));
    });
  }

  /**
   * an appliance withdrew a model version for hurting user experience. Kept with the appliance's own report
   * id, so a report resent after a lost answer is stored once.
   */
  private async report(e: Envelope): Promise<Record<string, unknown>> {
    await this.refreshRing();
    const problem = envelopeProblem(e, 'report', this.ring);
    if (problem) throw new Refused(403, `report refused: ${problem}`);
    const r = reportSchema.safeParse(e.body);
    if (!r.success) throw new Refused(400, `report: ${r.error.issues[0]?.message ?? 'malformed'}`);
    const fresh = await this.o.store.addReport({ keyId: e.keyId, ...r.data, reportedAt: e.at });
    this.log(
      `report ${r.data.reportId} from ${e.keyId}: ${r.data.kind} of model ${r.data.version} (${r.data.modelSha256.slice(0, 12)})${fresh ? '' : ', already received'}`,
    );
    return { accepted: true, reportId: r.data.reportId, duplicate: !fresh };
  }

  /** Closes a round that has waited long enough with enough updates. */
  private async tick(): Promise<void> {
    const round = this.current;
    const timeout = this.o.roundTimeoutMs;
    if (!timeout || this.firstUpdateAt === undefined || this.proposed.length > 0) return;
    if (Date.now() - this.firstUpdateAt < timeout) return;
    if (
      (await this.o.store.updates(round)).length >= (this.o.minUpdates ?? 2) &&
      !(await this.o.store.roundClosed(round))
    )
      await this.closeRound(round);
  }

  async listen(host: string, port: number): Promise<string> {
    const address = await this.app.listen({ host, port });
    this.timer = setInterval(() => {
      this.exclusive(() => this.tick()).catch((err: unknown) =>
        this.log(`error: ${err instanceof Error ? err.message : String(err)}`),
      );
    }, 1000);
    this.timer.unref();
    return address;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.app.close();
  }
}

function globalFile(
  o: FlServerOptions,
  round: number,
  arrays: Float32Array[],
  specs: { name: string; shape: number[] }[],
  logitAdjust?: ModelMeta['logitAdjust'],
): string {
  const f = buildModelFile(o.arch, arrays, specs, {
    ...(logitAdjust ? { logitAdjust } : {}),
    name: 'fl-global',
    version: `${round + 1}`,
    classNames: o.classNames,
    maliciousClasses: o.maliciousClasses,
    training: { federatedRound: round },
    metrics: {},
  });
  return serialiseModel(signModel(f, o.vendorKeyPem));
}
