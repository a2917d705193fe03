/** Between a tfjs model in memory and the model format (./model-file.ts): export, sign, verify (A-2 for models), load. */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type * as TF from '@tensorflow/tfjs';
import { buildModel, checkArch, type Arch } from './arch.js';
import {
  MODEL_FORMAT,
  bytesToParams,
  manifestHash,
  modelFileSchema,
  paramsToBytes,
  sha256Hex,
  type ModelFile,
  type ModelManifest,
} from './model-file.js';
import { compareVersions } from '../verify/index.js';

export interface ModelMeta {
  name: string;
  version: string;
  classNames: string[];
  maliciousClasses: number[];
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
  createdAt?: Date;
  logitAdjust?: ModelManifest['logitAdjust'];
}

/** A model's parameters as plain arrays, in layer order (what FedAvg and the registry work on). */
export function modelParams(model: TF.LayersModel): {
  specs: { name: string; shape: number[] }[];
  arrays: Float32Array[];
} {
  const specs: { name: string; shape: number[] }[] = [];
  const arrays: Float32Array[] = [];
  model.layers.forEach((layer, li) => {
    for (const w of layer.weights) {
      // Layer names carry a per-process counter (conv1d_Conv1D3): the spec names layer position and weight kind.
      specs.push({
        name: `${li}:${layer.getClassName()}/${w.originalName.split('/').pop() ?? ''}`,
        shape: w.shape.map(Number),
      });
      arrays.push((w.read().dataSync() as Float32Array).slice());
    }
  });
  return { specs, arrays };
}

export function buildModelFile(
  arch: Arch,
  arrays: Float32Array[],
  specs: { name: string; shape: number[] }[],
  meta: ModelMeta,
): ModelFile {
  const bytes = paramsToBytes(arrays);
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    kind: 'moat-cnn',
    name: meta.name,
    version: meta.version,
    createdAt: (meta.createdAt ?? new Date()).toISOString(),
    arch,
    classNames: meta.classNames,
    maliciousClasses: meta.maliciousClasses,
    weights: specs,
    paramsSha256: sha256Hex(bytes),
    paramBytes: bytes.length,
    training: meta.training,
    metrics: meta.metrics,
    ...(meta.logitAdjust ? { logitAdjust: meta.logitAdjust } : {}),
  };
  return { manifest, params: Buffer.from(bytes).toString('base64'), sha256: manifestHash(manifest) };
}

export function exportModel(model: TF.LayersModel, arch: Arch, meta: ModelMeta): ModelFile {
  const { specs, arrays } = modelParams(model);
  return buildModelFile(arch, arrays, specs, meta);
}

/** A key's id: the first 8 bytes of the SHA-256 of its DER public key, hex (as for rule bundles). */
export function keyIdOf(pub: KeyObject): string {
  return sha256Hex(pub.export({ format: 'der', type: 'spki' })).slice(0, 16);
}

/** Signs the model's id with an Ed25519 private key (PEM). */
export function signModel(f: ModelFile, privatePem: string): ModelFile {
  const priv = createPrivateKey(privatePem);
  const value = sign(null, Buffer.from(f.sha256, 'hex'), priv).toString('base64');
  return { ...f, signature: { keyId: keyIdOf(createPublicKey(priv)), value } };
}

export type ModelChecker = 'format' | 'hash' | 'version' | 'syntax';

export class ModelRejected extends Error {
  constructor(
    readonly checker: ModelChecker,
    readonly problems: string[],
  ) {
    super(`${checker} checker refused the model: ${problems.join('; ')}`);
    this.name = 'ModelRejected';
  }
}

export interface ModelVerifyOptions {
  /** Trusted public keys (PEM); when given, an unsigned model or one signed by another key is refused. */
  trustedKeys?: string[];
  installedVersion?: string;
  allowDowngrade?: boolean;
  now?: Date;
}

export interface VerifiedModel {
  file: ModelFile;
  params: Float32Array[];
}

/**
 * The four checkers of A-2, in order, on a model document (text or parsed): format (structure), hash (signature by
 * a trusted key over the id, the id is the manifest's hash, the parameters are the bytes the manifest names),
 * version (no downgrade unless allowed, not dated in the future), syntax (the architecture builds and every weight
 * has the shape it declares). The first failing checker refuses the model, naming what it found.
 */
export function verifyModel(input: string | unknown, o: ModelVerifyOptions = {}): VerifiedModel {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (err) {
      throw new ModelRejected('format', [
        `not a model (JSON): ${err instanceof Error ? err.message : String(err)}`,
      ]);
    }
  }
  const r = modelFileSchema.safeParse(raw);
  if (!r.success)
    throw new ModelRejected(
      'format',
      r.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`),
    );
  const f = r.data;
  const m = f.manifest;
  if (o.trustedKeys) {
    if (!f.signature) throw new ModelRejected('hash', ['the model is not signed']);
    const sig = f.signature;
    const key = o.trustedKeys.find((pem) => keyIdOf(createPublicKey(pem)) === sig.keyId);
    if (!key) throw new ModelRejected('hash', [`signed by key ${sig.keyId}, which is not trusted`]);
    let ok: boolean;
    try {
      ok = verify(null, Buffer.from(f.sha256, 'hex'), createPublicKey(key), Buffer.from(sig.value, 'base64'));
    } catch {
      ok = false;
    }
    if (!ok)
      throw new ModelRejected('hash', [
        'signature does not verify: the model id was altered or signed by another key',
      ]);
  }
  const id = manifestHash(m);
  if (id !== f.sha256)
    throw new ModelRejected('hash', [
      `manifest SHA-256 ${id} differs from the model id ${f.sha256}: the manifest was altered`,
    ]);
  const bytes = Buffer.from(f.params, 'base64');
  if (bytes.length !== m.paramBytes)
    throw new ModelRejected('hash', [
      `parameters are ${bytes.length} bytes, the manifest declares ${m.paramBytes}: truncated or padded`,
    ]);
  const psha = sha256Hex(bytes);
  if (psha !== m.paramsSha256)
    throw new ModelRejected('hash', [
      `parameters SHA-256 ${psha} differs from the manifest's ${m.paramsSha256}: tampered`,
    ]);

  const now = o.now ?? new Date();
  if (Date.parse(m.createdAt) > now.getTime() + 86_400_000)
    throw new ModelRejected('version', [`dated ${m.createdAt}, in the future`]);
  if (o.installedVersion !== undefined) {
    const c = compareVersions(m.version, o.installedVersion);
    if (c === 0) throw new ModelRejected('version', [`version ${m.version} is already installed`]);
    if (c < 0 && !o.allowDowngrade)
      throw new ModelRejected('version', [
        `version ${m.version} is older than the installed ${o.installedVersion}`,
      ]);
  }

  const archProblem = checkArch(m.arch);
  if (archProblem) throw new ModelRejected('syntax', [archProblem]);
  if (m.classNames.length !== m.arch.classes)
    throw new ModelRejected('syntax', [`${m.classNames.length} class names for ${m.arch.classes} classes`]);
  const badClass = m.maliciousClasses.find((c) => c >= m.arch.classes);
  if (badClass !== undefined)
    throw new ModelRejected('syntax', [`malicious class ${badClass} does not exist`]);
  const problems: string[] = [];
  const adj = m.logitAdjust;
  if (adj?.classBias && adj.classBias.length !== m.arch.classes)
    problems.push(`logitAdjust.classBias has ${adj.classBias.length} entries for ${m.arch.classes} classes`);
  if (adj?.framing) {
    if (adj.framing.prior.length !== m.arch.classes)
      problems.push(
        `logitAdjust.framing.prior has ${adj.framing.prior.length} entries for ${m.arch.classes} classes`,
      );
    const bad = Object.entries(adj.framing.counts).find(([, n]) => n.length !== m.arch.classes);
    if (bad)
      problems.push(
        `logitAdjust.framing.counts["${bad[0]}"] has ${bad[1].length} entries for ${m.arch.classes} classes`,
      );
  }
  if (problems.length > 0) throw new ModelRejected('syntax', problems);
  const expected = expectedShapes(m.arch);
  if (expected.length !== m.weights.length)
    problems.push(`${m.weights.length} weight arrays, the architecture has ${expected.length}`);
  else
    m.weights.forEach((w, i) => {
      if (w.shape.join('x') !== expected[i].join('x'))
        problems.push(
          `weight ${i} (${w.name}) has shape ${w.shape.join('x')}, the architecture needs ${expected[i].join('x')}`,
        );
    });
  const total = m.weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  if (problems.length === 0 && total * 4 !== m.paramBytes)
    problems.push(`weights hold ${total * 4} bytes, the parameters ${m.paramBytes}`);
  if (problems.length > 0) throw new ModelRejected('syntax', problems);
  const params = bytesToParams(bytes, m.weights);
  for (let i = 0; i < params.length; i++)
    for (const v of params[i])
      if (!Number.isFinite(v))
        throw new ModelRejected('syntax', [`weight ${i} (${m.weights[i].name}) holds ${v}`]);
  return { file: f, params };
}

/** The weight shapes buildModel makes for an architecture, in order. */
export function expectedShapes(a: Arch): number[][] {
  const l1 = Math.floor((a.inputBytes - a.conv1.kernel) / a.conv1.stride) + 1;
  const l2 = Math.floor((l1 - a.conv2.kernel) / a.conv2.stride) + 1;
  const flat = Math.floor(l2 / a.pool) * a.conv2.filters;
  return [
    [256, a.embed],
    [a.conv1.kernel, a.embed, a.conv1.filters],
    [a.conv1.filters],
    [a.conv2.kernel, a.conv1.filters, a.conv2.filters],
    [a.conv2.filters],
    [flat, a.classes],
    [a.classes],
  ];
}

/** A tfjs model with the verified parameters (`seed`: its dropout's, for training on from them). */
export function loadTfModel(tf: typeof TF, arch: Arch, params: Float32Array[], seed = 1): TF.LayersModel {
  const model = buildModel(tf, arch, seed);
  const shapes = expectedShapes(arch);
  const ts = params.map((p, i) => tf.tensor(p, shapes[i]));
  model.setWeights(ts);
  for (const t of ts) t.dispose();
  return model;
}
