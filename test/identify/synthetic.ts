/**
 * Synthetic identification traffic for tests: abuse-like addresses beacon at a fixed period to a few peers
 * with small symmetric exchanges; clean ones serve many peers at irregular times with large responses.
 * `overlap` makes that share of each class look like the other, so models are imperfect and gates bite.
 */
import { mulberry32 as rng } from '../../src/framework/prng.js';
import type { CompactFlow, IdentifyRequest } from '../../src/identify/flow-record.js';
import { computeFeatures, FEATURE_COUNT, FEATURE_NAMES } from '../../src/identify/features.js';
import { IdentifyModel, MODEL_FORMAT } from '../../src/identify/model.js';
import type { LabelledSet } from '../../src/identify/train.js';

export function syntheticRequests(
  n: number,
  seed: number,
  overlap = 0.1,
): { req: IdentifyRequest; y: number }[] {
  const r = rng(seed);
  const out: { req: IdentifyRequest; y: number }[] = [];
  for (let i = 0; i < n; i++) {
    const y = r() < 0.4 ? 1 : 0;
    const looksBlack = r() < overlap ? 1 - y : y;
    let first = 10 + Math.floor(r() * 200);
    // Public addresses only: special-purpose first octets (10/8, 127/8, parts of 100, 169, 172, 192, 198)
    // move up by one, so the identification service judges every synthetic subject.
    if ([10, 100, 127, 169, 172, 192, 198].includes(first)) first++;
    const ip = `${first}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 250)}`;
    const flows: CompactFlow[] = [];
    const nf = 5 + Math.floor(r() * 20);
    let t = 1_700_000_000 + r() * 1000;
    const period = 30 + r() * 300;
    for (let k = 0; k < nf; k++) {
      if (looksBlack) {
        t += period * (0.97 + r() * 0.06);
        flows.push({
          peer: `192.168.1.${1 + Math.floor(r() * 3)}`,
          port: 8080,
          peer_port: 49152 + k,
          proto: 'tcp',
          pkts_out: 3 + Math.floor(r() * 3),
          pkts_in: 3 + Math.floor(r() * 3),
          bytes_out: 200 + Math.floor(r() * 300),
          bytes_in: 250 + Math.floor(r() * 300),
          start: t,
          duration: 0.2 + r(),
          failed: r() < 0.3,
        });
      } else {
        t += -Math.log(1 - r()) * 120;
        flows.push({
          peer: `192.168.${Math.floor(r() * 50)}.${Math.floor(r() * 250)}`,
          port: 443,
          peer_port: 30000 + Math.floor(r() * 30000),
          proto: 'tcp',
          pkts_out: 20 + Math.floor(r() * 200),
          pkts_in: 10 + Math.floor(r() * 50),
          bytes_out: 20_000 + Math.floor(r() * 200_000),
          bytes_in: 1000 + Math.floor(r() * 5000),
          start: t,
          duration: 1 + r() * 30,
          sni: 'www.example.com',
        });
      }
    }
    out.push({ req: { ip, traffic: { flows } }, y });
  }
  return out;
}

export function toLabelledSet(items: { req: IdentifyRequest; y: number }[]): LabelledSet {
  const n = items.length;
  const x = new Float64Array(n * FEATURE_COUNT);
  const y = new Uint8Array(n);
  const w = new Float64Array(n).fill(1);
  const group = new Uint32Array(n);
  items.forEach((it, i) => {
    computeFeatures(
      it.req.ip,
      it.req.traffic?.flows as CompactFlow[],
      undefined,
      undefined,
      {},
      x.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT),
    );
    y[i] = it.y;
    group[i] = i;
  });
  return { x, y, w, group, n, width: FEATURE_COUNT };
}

/** One leaf with p = 1: every address it judges is black. */
export function allBlackModel(): IdentifyModel {
  return new IdentifyModel({
    format: MODEL_FORMAT,
    features: [...FEATURE_NAMES],
    tree: { leaf: true, id: 0, p: 1, n: 1, pos: 1 },
    thresholds: { black: 0.5, gray: 0.2 },
    trainedAt: new Date(0).toISOString(),
    info: {},
  });
}
