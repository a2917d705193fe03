/**
 * The federated-learning ledger: a hash chain of blocks {model id, weight, parameters hash,
 * submitter}, each committed only with Ed25519 signatures of a majority of the appliances online when it was
 * proposed (their keys registered beforehand), and a Merkle tree over the block hashes as in a transparency log
 * (RFC 6962 hashing: leaves 0x00‖h, nodes 0x01‖l‖r) so an appliance proves one block is in the log with log2(n)
 * hashes. Every appliance keeps a replica and verifies the whole chain before it deploys a downloaded model.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { canonicalJson, sha256Hex } from './model-file.js';
import { keyIdOf } from './model-io.js';

export interface BlockBody {
  index: number;
  prevHash: string;
  round: number;
  modelId: string;
  paramsSha256: string;
  weight: number;
  submitter: string;
  /** Key ids of the appliances online when the block was proposed: the majority is of these. */
  online: string[];
  at: string;
  /**
   * How the round's updates are fused (absent: plain weighted FedAvg). Recorded in every block of the round so
   * each appliance recomputes the same fusion from the ledger alone.
   */
  fusion?: Fusion;
}

/**
 * FedAvgM (server momentum): g' = g + serverLr·(avg − g) + momentum·(g − g₋₁), where avg is the weighted FedAvg of
 * the round's updates, g the round's global model and g₋₁ the round before's. Written on the two previous globals,
 * which the ledger already verifies, the momentum needs no hidden server state.
 */
export interface Fusion {
  rule: 'fedavgm';
  serverLr: number;
  momentum: number;
  /**
   * Weight averaging across rounds, the federated analogue of the recipe's averaging of the last epochs: the last
   * round's global model (round `rounds`) is the mean of its FedAvgM result and the `averageLast` − 1 globals
   * before it. Those globals are already verified by every appliance, so the mean needs no hidden state either.
   * Only the final model is averaged; the rounds train from the FedAvgM iterates. Absent (or 1): no averaging.
   */
  averageLast?: number;
  /** The run's number of rounds: which fusion is the last one (needed with `averageLast`). */
  rounds?: number;
}

/** The rule's fields in a fixed order, the optional ones only when set (a block without them hashes as before). */
function fusionFields(f: Fusion): Record<string, unknown> {
  return {
    rule: f.rule,
    serverLr: f.serverLr,
    momentum: f.momentum,
    ...(f.averageLast !== undefined ? { averageLast: f.averageLast } : {}),
    ...(f.rounds !== undefined ? { rounds: f.rounds } : {}),
  };
}

export interface Block extends BlockBody {
  hash: string;
  signatures: { keyId: string; value: string }[];
}

export const GENESIS = '0'.repeat(64);

export function blockHash(b: BlockBody): string {
  const { index, prevHash, round, modelId, paramsSha256, weight, submitter, online, at, fusion } = b;
  // A block without a fusion rule hashes as before the field existed.
  return sha256Hex(
    canonicalJson({
      index,
      prevHash,
      round,
      modelId,
      paramsSha256,
      weight,
      submitter,
      online,
      at,
      ...(fusion ? { fusion: fusionFields(fusion) } : {}),
    }),
  );
}

export function signBlock(hash: string, privatePem: string): { keyId: string; value: string } {
  const priv = createPrivateKey(privatePem);
  return {
    keyId: keyIdOf(createPublicKey(priv)),
    value: sign(null, Buffer.from(hash, 'hex'), priv).toString('base64'),
  };
}

export class LedgerError extends Error {}

/** Registered appliance keys: id → PEM. */
export type KeyRing = ReadonlyMap<string, string>;

export function keyRing(pems: readonly string[]): Map<string, string> {
  return new Map(pems.map((p) => [keyIdOf(createPublicKey(p)), p]));
}

/** Valid signatures of registered, online appliances on the block (each signer once). */
export function validSigners(b: Block, keys: KeyRing): Set<string> {
  const ok = new Set<string>();
  for (const s of b.signatures) {
    const pem = keys.get(s.keyId);
    if (!pem || !b.online.includes(s.keyId) || ok.has(s.keyId)) continue;
    try {
      if (verify(null, Buffer.from(b.hash, 'hex'), createPublicKey(pem), Buffer.from(s.value, 'base64')))
        ok.add(s.keyId);
    } catch {
      // a malformed signature counts as none
    }
  }
  return ok;
}

function fusionKey(f: Fusion | undefined): string {
  return f ? JSON.stringify(fusionFields(f)) : 'fedavg';
}

/** Whether two blocks fuse their round the same way (both plain FedAvg, or the same rule and numbers). */
export function sameFusion(a: Fusion | undefined, b: Fusion | undefined): boolean {
  return fusionKey(a) === fusionKey(b);
}

/** Refuses a block that does not extend `prev` or lacks its majority; returns nothing when it checks out. */
export function checkBlock(
  b: Block,
  prev: Block | undefined,
  keys: KeyRing,
  seen: ReadonlySet<string>,
): void {
  const at = `block ${b.index}`;
  if (b.index !== (prev ? prev.index + 1 : 0))
    throw new LedgerError(`${at}: index out of sequence (expected ${prev ? prev.index + 1 : 0})`);
  if (b.prevHash !== (prev ? prev.hash : GENESIS))
    throw new LedgerError(`${at}: does not link to the block before (replayed or forged)`);
  if (blockHash(b) !== b.hash) throw new LedgerError(`${at}: hash does not match its contents (altered)`);
  if (seen.has(`${b.round}:${b.modelId}`))
    throw new LedgerError(
      `${at}: model ${b.modelId.slice(0, 16)} of round ${b.round} is already in the ledger (replay)`,
    );
  if (!b.online.every((k) => keys.has(k)))
    throw new LedgerError(`${at}: names an appliance that is not registered`);
  if (prev && prev.round === b.round && !sameFusion(prev.fusion, b.fusion))
    throw new LedgerError(`${at}: its fusion rule is not that of the round's other blocks`);
  const need = Math.floor(b.online.length / 2) + 1;
  const got = validSigners(b, keys).size;
  if (got < need)
    throw new LedgerError(
      `${at}: ${got} valid signatures of ${b.online.length} online appliances, a majority needs ${need}`,
    );
}

function leaf(h: string): Buffer {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(Buffer.from(h, 'hex'))
    .digest();
}
function node(l: Buffer, r: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(l)
    .update(r)
    .digest();
}

/** RFC 6962 Merkle tree hash of leaves [lo, hi). */
function mth(leaves: Buffer[], lo: number, hi: number): Buffer {
  if (hi - lo === 1) return leaves[lo];
  let k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return node(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
}

function path(leaves: Buffer[], m: number, lo: number, hi: number): Buffer[] {
  if (hi - lo === 1) return [];
  let k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return m - lo < k
    ? [...path(leaves, m, lo, lo + k), mth(leaves, lo + k, hi)]
    : [...path(leaves, m, lo + k, hi), mth(leaves, lo, lo + k)];
}

export class Ledger {
  readonly blocks: Block[] = [];
  private readonly seen = new Set<string>();

  constructor(readonly keys: KeyRing) {}

  get head(): Block | undefined {
    return this.blocks[this.blocks.length - 1];
  }

  /** Appends a committed block after checking it (link, hash, no replay, majority of signatures). */
  append(b: Block): void {
    checkBlock(b, this.head, this.keys, this.seen);
    this.blocks.push(b);
    this.seen.add(`${b.round}:${b.modelId}`);
  }

  /** A replica from blocks received: every block checked from the genesis. */
  static verifyAll(blocks: readonly Block[], keys: KeyRing): Ledger {
    const l = new Ledger(keys);
    for (const b of blocks) l.append(b);
    return l;
  }

  /** The Merkle root of the first `size` blocks (all by default). */
  root(size = this.blocks.length): string {
    const leaves = this.blocks.slice(0, size).map((b) => leaf(b.hash));
    return leaves.length ? mth(leaves, 0, leaves.length).toString('hex') : sha256Hex('');
  }

  proof(index: number): string[] {
    const leaves = this.blocks.map((b) => leaf(b.hash));
    return path(leaves, index, 0, leaves.length).map((b) => b.toString('hex'));
  }
}

/** RFC 6962 §2.1.1: whether `hash` is leaf `index` of a tree of `size` leaves with `root`. */
export function verifyInclusion(
  hash: string,
  index: number,
  size: number,
  proof: readonly string[],
  root: string,
): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf(hash);
  for (const p of proof) {
    const pb = Buffer.from(p, 'hex');
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = node(pb, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else r = node(r, pb);
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && r.toString('hex') === root;
}
