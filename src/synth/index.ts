/**
 * `moat synth`: a realistic, deterministic Ethernet capture — TLS 1.2/1.3 with certificates it issues,
 * HTTP/1.1, DNS, an nmap-style SYN scan and a telnet brute force. Same seed, same bytes.
 */
import { SynthCapture, type SynthFrame } from './net/capture.js';
import { Prng } from './prng.js';
import { issuePki, type SynthPki } from './pki/certificates.js';
import { DEFAULT_FLOWS, SCENARIOS, type FlowRecord, type ScenarioName } from './manifest.js';
import type { ScenarioContext } from './scenarios/context.js';
import { tlsScenario } from './scenarios/tls.js';
import { httpScenario } from './scenarios/http.js';
import { dnsScenario } from './scenarios/dns.js';
import { scanScenario } from './scenarios/scan.js';
import { bruteforceScenario } from './scenarios/bruteforce.js';

export { encodePcap, type FrameWriter } from './frame-writer.js';
export { SCENARIOS, type FlowRecord, type ScenarioName } from './manifest.js';
export type { SynthFrame } from './net/capture.js';

/** 2024-03-01T12:00:00Z: the fixed start of every synthetic capture (certificate dates hang off it). */
export const SYNTH_BASE_US = Date.UTC(2024, 2, 1, 12, 0, 0) * 1000;

export interface SynthOptions {
  seed?: number;
  scenarios?: readonly ScenarioName[];
  /** Background flows per scenario beyond its fixed cases. */
  flows?: number;
}

export interface SynthResult {
  frames: SynthFrame[];
  flows: FlowRecord[];
  /** The DER certificates issued (root, issuing CA, each server's chain), for tests that compare. */
  pki?: SynthPki;
}

export { DEFAULT_FLOWS };

/** Keys cost ~0.4 s; a process that synthesises twice with one seed (tests) issues them once. */
const pkiCache = new Map<number, Promise<SynthPki>>();

function pkiFor(seed: number, rng: Prng): Promise<SynthPki> {
  let p = pkiCache.get(seed);
  if (!p) {
    p = issuePki(rng, SYNTH_BASE_US / 1000);
    pkiCache.set(seed, p);
  }
  return p;
}

export async function synthesize(opts: SynthOptions = {}): Promise<SynthResult> {
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`synth: seed must be an integer 0..4294967295, got ${seed}`);
  }
  const wanted = new Set(opts.scenarios ?? SCENARIOS);
  const flows = opts.flows ?? DEFAULT_FLOWS;
  const root = new Prng(seed);
  const cap = new SynthCapture();
  const manifest: FlowRecord[] = [];
  // Every scenario gets its own stream forked in a fixed order, whether it runs or not, so running one
  // scenario alone produces the same flows as it does inside "all".
  const streams = Object.fromEntries(SCENARIOS.map((s) => [s, root.fork(s)])) as Record<ScenarioName, Prng>;
  const pkiRng = root.fork('pki');
  const ctx = (s: ScenarioName): ScenarioContext => ({
    cap,
    rng: streams[s],
    baseUs: SYNTH_BASE_US,
    spanUs: 60_000_000,
    flows,
    manifest,
  });
  let pki: SynthPki | undefined;
  if (wanted.has('tls')) {
    pki = await pkiFor(seed, pkiRng);
    tlsScenario(ctx('tls'), pki);
  }
  if (wanted.has('http')) httpScenario(ctx('http'));
  if (wanted.has('dns')) dnsScenario(ctx('dns'));
  if (wanted.has('scan')) scanScenario(ctx('scan'));
  if (wanted.has('bruteforce')) bruteforceScenario(ctx('bruteforce'));
  manifest.sort((a, b) => a.startUs - b.startUs);
  return { frames: cap.frames(), flows: manifest, pki };
}
