/**
 * An appliance in the federated-learning network (A-85… ). It trusts nothing the server says without
 * checking it:
 * - the key ring only with the vendor's signature on every key;
 * - the ledger only when every block verifies from the genesis (link, hash, no replay, majority of registered
 *   signatures) and it extends the replica the appliance kept from its last sync (history is never rewritten);
 * - the server's Merkle root and inclusion proofs against the root it computes itself;
 * - round 0's global model only with the vendor's signature; every later one only when the appliance, having
 *   downloaded each update the ledger names and checked its signature and hashes against its block, recomputes the
 *   weighted FedAvg itself and gets the parameters the server serves, bit for bit, and the framing table the kept
 *   updates' histograms sum to, if any.
 * Anything that does not check out is refused with an FlRefused naming what failed.
 */
import { request } from 'node:https';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { z } from 'zod';
import { fuseFraming, fuseInto, globalsNeeded } from './fedavg.js';
import { framingHistogram, type FramingTable } from './framing.js';
import {
  blockSchema,
  checkRegistry,
  registeredKeySchema,
  sealEnvelope,
  type FlReport,
} from './fl-protocol.js';
import type { SessionSet } from './idx.js';
import { maskSet } from './mask.js';
import { Ledger, blockHash, sameFusion, signBlock, verifyInclusion, type Block } from './ledger.js';
import { paramsToBytes, serialiseModel, sha256Hex } from './model-file.js';
import { buildModelFile, keyIdOf, signModel, verifyModel, type VerifiedModel } from './model-io.js';
import { lrAt, trainModel, type OptimizerState } from './train.js';

export class FlRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlRefused';
  }
}

/**
 * One JSON request over HTTPS on its own connection, the server's certificate pinned as the only CA. An HTTP error
 * answer is an FlRefused carrying the server's message; a connection failure is a plain Error.
 */
function httpsJson(
  base: string,
  ca: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const url = new URL(path, base);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca,
        agent: false,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        timeout: 120_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            return reject(new FlRefused(`${method} ${path}: answer is not JSON (HTTP ${res.statusCode})`));
          }
          if ((res.statusCode ?? 500) >= 400) {
            const msg = (json as { error?: string }).error ?? text.slice(0, 200);
            return reject(new FlRefused(`${method} ${path}: HTTP ${res.statusCode}: ${msg}`));
          }
          resolve(json);
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 120 s`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export interface ReportConnection {
  /** https://host:port of the server. */
  url: string;
  /** The server's certificate (PEM), pinned. */
  ca: string;
  /** This appliance's Ed25519 private key (PEM): signs each report. */
  keyPem: string;
}

/**
 * sends queued reports to the server, each in a signed envelope. A report whose request fails at the
 * connection or with a server error (5xx) is tried again (`attempts` in all, waiting `delayMs`, doubled each time):
 * the server keeps a report once per (appliance, report id), so a resend after a lost answer does no harm. A
 * refusal (4xx) is not retried. What could not be sent is returned with the reason, and stays queued by the caller.
 */
export async function sendReports(
  c: ReportConnection,
  reports: readonly FlReport[],
  o: { attempts?: number; delayMs?: number } = {},
): Promise<{ sent: number[]; failed: { reportId: number; error: string }[] }> {
  const sent: number[] = [];
  const failed: { reportId: number; error: string }[] = [];
  for (const r of reports) {
    const attempts = o.attempts ?? 4;
    let delay = o.delayMs ?? 500;
    for (let i = 1; ; i++) {
      try {
        // A fresh envelope each attempt: its time must be recent.
        await httpsJson(c.url, c.ca, 'POST', '/v1/report', sealEnvelope('report', r, c.keyPem));
        sent.push(r.reportId);
        break;
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        const refused = err instanceof FlRefused && !/HTTP 5\d\d/.test(msg);
        if (refused || i >= attempts) {
          failed.push({ reportId: r.reportId, error: msg });
          break;
        }
        await new Promise((res) => setTimeout(res, delay));
        delay *= 2;
      }
    }
  }
  return { sent, failed };
}

export interface FlClientOptions {
  /** https://host:port of the server. */
  url: string;
  /** The server's certificate (PEM), pinned as the only CA. */
  ca: string;
  /** This appliance's Ed25519 private key (PEM). */
  keyPem: string;
  /** The vendor's public key (PEM): signs the key ring and round 0's model. */
  vendorPem: string;
  /** Where the verified replica and models are kept between runs. */
  stateDir: string;
}

export interface ServerState {
  round: number;
  rounds: number;
  finished: boolean;
  phase: 'collect' | 'sign';
  submitted: string[];
  ledgerSize: number;
  root: string;
}

export interface SyncResult {
  round: number;
  global: VerifiedModel;
  ledgerSize: number;
  root: string;
  /** Rounds whose global model this sync verified (the others were verified before). */
  verifiedRounds: number[];
}

const stateSchema = z.object({
  round: z.number(),
  rounds: z.number(),
  finished: z.boolean(),
  phase: z.enum(['collect', 'sign']),
  submitted: z.array(z.string()),
  ledgerSize: z.number(),
  root: z.string(),
});
const proofSchema = z.object({
  index: z.number(),
  hash: z.string(),
  size: z.number(),
  root: z.string(),
  proof: z.array(z.string()),
});

interface LocalState {
  /** Hashes of the ledger blocks verified so far, in order. */
  ledger: string[];
  /** Parameters' SHA-256 of each round's verified global model. */
  globals: string[];
}

export class FlClient {
  readonly keyId: string;

  constructor(private readonly o: FlClientOptions) {
    this.keyId = keyIdOf(createPublicKey(createPrivateKey(o.keyPem)));
    mkdirSync(o.stateDir, { recursive: true });
  }

  /**
   * One request on its own connection (a kept-alive socket the server is closing fails as "socket hang up"). A GET
   * that fails at the connection is tried again, up to 4 times; a POST is not (it may have been processed).
   */
  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.callOnce(method, path, body);
      } catch (err) {
        if (err instanceof FlRefused || method !== 'GET' || attempt >= 4) throw err;
        await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      }
    }
  }

  private callOnce(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    return httpsJson(this.o.url, this.o.ca, method, path, body);
  }

  async state(): Promise<ServerState> {
    return stateSchema.parse(await this.call('GET', '/v1/state'));
  }

  private loadLocal(): LocalState {
    const f = join(this.o.stateDir, 'verified.json');
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as LocalState) : { ledger: [], globals: [] };
  }

  private saveLocal(s: LocalState): void {
    const f = join(this.o.stateDir, 'verified.json');
    writeFileSync(`${f}.tmp`, JSON.stringify(s));
    renameSync(`${f}.tmp`, f);
  }

  /** The vendor-signed key ring. */
  async ring(): Promise<Map<string, string>> {
    const r = z
      .object({ keys: z.array(registeredKeySchema) })
      .parse(await this.call('GET', '/v1/appliances'));
    try {
      return checkRegistry(r.keys, this.o.vendorPem);
    } catch (err) {
      throw new FlRefused(`key ring refused: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Downloads the whole ledger and verifies it from the genesis; it must extend the replica kept locally. */
  async verifyLedger(ring: Map<string, string>, local: LocalState): Promise<Ledger> {
    const raw = z
      .object({ blocks: z.array(blockSchema), root: z.string() })
      .parse(await this.call('GET', '/v1/ledger'));
    let ledger: Ledger;
    try {
      ledger = Ledger.verifyAll(raw.blocks, ring);
    } catch (err) {
      throw new FlRefused(`ledger refused: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (ledger.blocks.length < local.ledger.length)
      throw new FlRefused(
        `ledger refused: ${ledger.blocks.length} blocks, fewer than the ${local.ledger.length} verified before (truncated)`,
      );
    local.ledger.forEach((h, i) => {
      if (ledger.blocks[i].hash !== h)
        throw new FlRefused(
          `ledger refused: block ${i} differs from the one verified before (history rewritten)`,
        );
    });
    if (raw.root !== ledger.root())
      throw new FlRefused(`ledger refused: the server's root ${raw.root.slice(0, 16)} is not the chain's`);
    return ledger;
  }

  /** Checks the server's inclusion proof of block `index` against the root computed here. */
  async checkInclusion(ledger: Ledger, index: number): Promise<void> {
    const p = proofSchema.parse(await this.call('GET', `/v1/proof/${index}`));
    const b = ledger.blocks[index];
    if (!b || p.hash !== b.hash || p.size !== ledger.blocks.length || p.root !== ledger.root())
      throw new FlRefused(`inclusion proof of block ${index} is for another tree`);
    if (!verifyInclusion(b.hash, index, p.size, p.proof, ledger.root()))
      throw new FlRefused(`inclusion proof of block ${index} does not verify`);
  }

  private async fetchModel(path: string, trusted?: string[]): Promise<VerifiedModel> {
    const raw = await this.call('GET', path);
    try {
      return verifyModel(raw, trusted ? { trustedKeys: trusted } : {});
    } catch (err) {
      throw new FlRefused(`${path}: model refused: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The updates round `round`'s committed blocks name, each checked against its block. */
  private async roundUpdates(
    ledger: Ledger,
    ring: Map<string, string>,
    round: number,
  ): Promise<{ block: Block; model: VerifiedModel }[]> {
    const blocks = ledger.blocks.filter((b) => b.round === round);
    const out: { block: Block; model: VerifiedModel }[] = [];
    for (const b of blocks) {
      const m = await this.fetchModel(`/v1/update/${round}/${b.submitter}`, [ring.get(b.submitter) ?? '']);
      if (m.file.sha256 !== b.modelId || m.file.manifest.paramsSha256 !== b.paramsSha256)
        throw new FlRefused(
          `round ${round}: the update of ${b.submitter} is not the model its block ${b.index} names`,
        );
      out.push({ block: b, model: m });
    }
    return out;
  }

  /**
   * The parameters of round `round`'s global model, verified before (its parameters' SHA-256 is in `globals`);
   * the last few are kept in `cache`.
   */
  private async verifiedParams(
    round: number,
    globals: readonly string[],
    cache: Map<number, Float32Array[]>,
  ): Promise<Float32Array[]> {
    const hit = cache.get(round);
    if (hit) return hit;
    const m = await this.fetchModel(`/v1/global/${round}`);
    if (m.file.manifest.paramsSha256 !== globals[round])
      throw new FlRefused(`round ${round}: the global model is not the one verified before`);
    cache.set(round, m.params);
    return m.params;
  }

  /**
   * Verifies round `round`'s global model: the fusion of round−1's committed updates as their blocks say, from
   * round−1's (for FedAvgM, round−2's; for the averaged last round, the window's) verified globals.
   */
  private async verifyGlobal(
    ledger: Ledger,
    ring: Map<string, string>,
    round: number,
    globals: readonly string[],
    cache: Map<number, Float32Array[]>,
  ): Promise<VerifiedModel> {
    if (round === 0) return this.fetchModel('/v1/global/0', [this.o.vendorPem]);
    const g = await this.fetchModel(`/v1/global/${round}`);
    const ups = await this.roundUpdates(ledger, ring, round - 1);
    if (ups.length === 0) throw new FlRefused(`round ${round - 1} has no committed blocks in the ledger`);
    const weighted = ups.map((u) => ({ params: u.model.params, weight: u.block.weight }));
    const fusion = ups[0].block.fusion;
    const recent: Float32Array[][] = [];
    for (let k = 1; k <= Math.max(1, globalsNeeded(round, fusion)); k++)
      recent.push(await this.verifiedParams(round - k, globals, cache));
    const expected = sha256Hex(paramsToBytes(fuseInto(weighted, recent, round, fusion)));
    if (g.file.manifest.paramsSha256 !== expected)
      throw new FlRefused(
        `round ${round}: the global model is not the weighted FedAvg of the updates the ledger commits`,
      );
    const table = fuseFraming(
      ups.map((u) => ({ framing: u.model.file.manifest.logitAdjust?.framing, weight: u.block.weight })),
    );
    if (
      JSON.stringify(g.file.manifest.logitAdjust ?? null) !==
      JSON.stringify(table ? { framing: table } : null)
    )
      throw new FlRefused(
        `round ${round}: the global model's framing table is not the sum of the histograms the ledger's kept updates carry`,
      );
    return g;
  }

  /** Verifies the key ring, the whole ledger and every round's global model not verified before. */
  async sync(): Promise<SyncResult> {
    const ring = await this.ring();
    const local = this.loadLocal();
    // State before ledger: a round opens only once its predecessor's blocks are all committed, and the ledger only
    // grows, so the ledger read after the state holds every block the state's round was fused from.
    const st = await this.state();
    const ledger = await this.verifyLedger(ring, local);
    // A stored global for round r is only trusted here when round r-1's blocks were verified with it.
    const verifiedRounds: number[] = [];
    let global: VerifiedModel | undefined;
    const cache = new Map<number, Float32Array[]>();
    for (let r = 0; r <= st.round; r++) {
      if (r < local.globals.length && r < st.round) continue;
      global = await this.verifyGlobal(ledger, ring, r, local.globals, cache);
      local.globals[r] = global.file.manifest.paramsSha256;
      cache.set(r, global.params);
      // Kept: what the next fusion reads (two globals for FedAvgM, more for an averaged last round).
      cache.delete(r - 10);
      verifiedRounds.push(r);
    }
    for (const b of ledger.blocks) if (b.submitter === this.keyId) await this.checkInclusion(ledger, b.index);
    local.ledger = ledger.blocks.map((b) => b.hash);
    this.saveLocal(local);
    if (!global) throw new FlRefused('no global model to verify');
    writeFileSync(join(this.o.stateDir, 'global.json'), serialiseModel(global.file));
    return { round: st.round, global, ledgerSize: ledger.blocks.length, root: ledger.root(), verifiedRounds };
  }

  /** Submits this appliance's update for `round`, as a model file it signs. */
  async submit(
    round: number,
    global: VerifiedModel,
    params: Float32Array[],
    framing?: FramingTable,
  ): Promise<string> {
    const m = global.file.manifest;
    const file = signModel(
      buildModelFile(m.arch, params, m.weights, {
        ...(framing ? { logitAdjust: { framing } } : {}),
        name: 'fl-update',
        version: `${round + 1}`,
        classNames: m.classNames,
        maliciousClasses: m.maliciousClasses,
        training: { federatedRound: round, base: global.file.sha256 },
        metrics: {},
      }),
      this.o.keyPem,
    );
    await this.call('POST', '/v1/submit', sealEnvelope('update', { round, model: file }, this.o.keyPem));
    writeFileSync(join(this.o.stateDir, `update-${round}.json`), serialiseModel(file));
    return file.sha256;
  }

  /**
   * Signs the proposed blocks that check out: each links to the verified ledger (and to the block before it), its
   * hash is its contents', its update is the model it names, and this appliance's own block names the update it
   * sent. Returns how many it signed.
   */
  async signPending(round: number, mine: string | undefined): Promise<number> {
    const ring = await this.ring();
    // Pending before ledger: a block committed in between is then in the ledger (and skipped below), never missing
    // from both.
    const pending = z.object({ blocks: z.array(blockSchema) }).parse(await this.call('GET', '/v1/pending'));
    const ledger = await this.verifyLedger(ring, this.loadLocal());
    let prev = ledger.head;
    let signed = 0;
    const ups = new Map<string, VerifiedModel>();
    for (const b of pending.blocks) {
      // Blocks already committed while we looked are skipped; the rest must continue the chain.
      if (b.index < ledger.blocks.length) continue;
      const { hash: _h, signatures: _s, ...body } = b;
      if (blockHash(body) !== b.hash)
        throw new FlRefused(`proposed block ${b.index}: hash is not its contents'`);
      if (b.index !== (prev ? prev.index + 1 : 0) || b.prevHash !== (prev ? prev.hash : '0'.repeat(64)))
        throw new FlRefused(`proposed block ${b.index}: does not extend the verified ledger`);
      if (b.round !== round) throw new FlRefused(`proposed block ${b.index}: round ${b.round}, not ${round}`);
      if (prev?.round === b.round && !sameFusion(prev.fusion, b.fusion))
        throw new FlRefused(`proposed block ${b.index}: fuses the round otherwise than the block before`);
      if (!ring.has(b.submitter)) throw new FlRefused(`proposed block ${b.index}: unregistered submitter`);
      let m = ups.get(b.submitter);
      if (!m) {
        m = await this.fetchModel(`/v1/update/${round}/${b.submitter}`, [ring.get(b.submitter) ?? '']);
        ups.set(b.submitter, m);
      }
      if (m.file.sha256 !== b.modelId || m.file.manifest.paramsSha256 !== b.paramsSha256)
        throw new FlRefused(`proposed block ${b.index}: names another model than ${b.submitter}'s update`);
      if (b.submitter === this.keyId && b.modelId !== mine)
        throw new FlRefused(`proposed block ${b.index}: names a model this appliance did not submit`);
      prev = b;
      if (!b.online.includes(this.keyId) || b.signatures.some((s) => s.keyId === this.keyId)) continue;
      const sig = signBlock(b.hash, this.o.keyPem);
      await this.call('POST', '/v1/sign', { index: b.index, hash: b.hash, ...sig });
      signed++;
    }
    return signed;
  }

  /**
   * Takes part until the server's last round: verify, train on `data` from the global model, submit, sign the
   * round's blocks. Returns the final verified model.
   */
  async participate(
    tf: typeof TF,
    data: SessionSet,
    o: {
      epochs: number;
      seed?: number;
      pollMs?: number;
      log?: (line: string) => void;
      /**
       * Carry Adam's moments from one round's local training to the next. A fresh Adam's first steps move every
       * weight by about the learning rate whatever its gradient (m̂/√v̂ ≈ ±1), a jolt each round on a non-IID
       * share; carried moments keep the steps to the scale local training had reached.
       */
      keepOptimizer?: boolean;
      /** Local learning rate (default: trainModel's). */
      learningRate?: number;
      /** Label smoothing of local training, as the shipped recipe's centralised training (0: hard labels). */
      labelSmoothing?: number;
      /**
       * Cosine decay of the local learning rate across the server's rounds, from the full rate in round 0 to this
       * fraction of it in the last (1: constant). FedAvg on non-IID shares with a constant rate settles in a
       * neighbourhood of the optimum whose size scales with the rate; decaying it lets the rounds converge.
       */
      roundLrFloor?: number;
      /** Logit adjustment by this appliance's own class prior (trainModel's `logitAdjust` τ; 0: off). */
      logitAdjust?: number;
      /** FedProx's μ: local training is pulled back toward the round's global model (0: off). */
      proximalMu?: number;
      /**
       * Send this appliance's framing histogram (./framing.ts) with each update; the server sums the kept ones
       * into the global model's framing table. It reveals the appliance's TLS record-length sequences and class
       * counts, not its sessions.
       */
      framing?: boolean;
    },
  ): Promise<SyncResult> {
    const log = o.log ?? (() => {});
    const submitted = new Map<number, string>();
    let optimizer: OptimizerState | undefined;
    let histogram: FramingTable | undefined;
    for (;;) {
      const st = await this.state();
      if (st.finished) {
        const s = await this.sync();
        log(
          `finished: round ${s.round}, ledger ${s.ledgerSize} blocks verified, root ${s.root.slice(0, 16)}`,
        );
        return s;
      }
      if (st.phase === 'collect' && !st.submitted.includes(this.keyId)) {
        const s = await this.sync();
        const r = await trainModel(tf, data, {
          arch: s.global.file.manifest.arch,
          epochs: o.epochs,
          seed: (o.seed ?? 1) * 1000 + st.round,
          initial: s.global.params,
          learningRate: (o.learningRate ?? 0.003) * lrAt(st.round, st.rounds, o.roundLrFloor ?? 1),
          labelSmoothing: o.labelSmoothing ?? 0,
          logitAdjust: o.logitAdjust ?? 0,
          proximalMu: o.proximalMu ?? 0,
          ...(o.keepOptimizer
            ? {
                optimizerState: optimizer,
                afterEpoch: async (epoch, _p, _l, read) => {
                  if (epoch === o.epochs - 1) optimizer = await read();
                },
              }
            : {}),
        });
        r.model.dispose();
        const { arch } = s.global.file.manifest;
        if (o.framing) histogram ??= framingHistogram(maskSet(data).set, arch.classes, arch.inputBytes);
        const id = await this.submit(st.round, s.global, r.params, histogram);
        submitted.set(st.round, id);
        log(`round ${st.round}: submitted ${id.slice(0, 12)} (loss ${r.losses.at(-1)?.toFixed(3) ?? '-'})`);
      } else if (st.phase === 'sign') {
        const n = await this.signPending(st.round, submitted.get(st.round));
        if (n > 0) log(`round ${st.round}: signed ${n} blocks`);
      }
      await new Promise((r) => setTimeout(r, o.pollMs ?? 300));
    }
  }
}
