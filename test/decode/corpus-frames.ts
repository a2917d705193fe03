/** Real captures for the decode corpus and fuzz tests, read with the capture package's openCaptureFile. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openCaptureFile } from '../../src/capture/index.js';
import type { PacketSink } from '../../src/capture/packet.js';

export interface Frame {
  frame: Buffer;
  linkType: number;
}

/** One packet as the source handed it on (the buffer is a copy: sources reuse theirs). */
export interface CapturedPacket extends Frame {
  caplen: number;
  wirelen: number;
  tsUs: number;
}

export const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
export const TLS_PCAPS = join(CORPUS, 'tls', 'ja4', 'pcap');
export const TUNNEL_PCAPS = join(CORPUS, 'tls', 'zeek', 'traces', 'tunnels');
export const TCPDUMP_PCAPS = join(CORPUS, 'decode', 'tcpdump');
export const ATTACK_PCAPS = join(CORPUS, 'attacks');

/**
 * Capture files under `dir` (recursively), sorted; scripts and READMEs left out unless `anyName` (capture
 * readers go by magic number, and attack collections name their files freely).
 */
export function captureFiles(dir: string, anyName = false): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (anyName || /\.(pcap|pcapng|cap)$/.test(name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Every packet of a capture, copied; undefined when the file is not a capture moat reads. */
export async function readPackets(path: string): Promise<CapturedPacket[] | undefined> {
  const out: CapturedPacket[] = [];
  const sink: PacketSink = {
    onPacket(buf, off, caplen, wirelen, tsUs, linkType) {
      out.push({ frame: Buffer.from(buf.subarray(off, off + caplen)), caplen, wirelen, tsUs, linkType });
    },
  };
  try {
    await openCaptureFile(path).run(sink);
  } catch (err) {
    if ((err as Error).name === 'CaptureFormatError') return undefined;
    throw err;
  }
  return out;
}

/** Up to `max` frames spread over the tunnel and TLS captures; [] when the corpus is absent. */
export async function corpusFrames(max: number): Promise<Frame[]> {
  const files = [...captureFiles(TUNNEL_PCAPS), ...captureFiles(TLS_PCAPS)];
  const frames: Frame[] = [];
  const perFile = Math.max(4, Math.ceil(max / Math.max(1, files.length)));
  for (const f of files) {
    const pkts = (await readPackets(f)) ?? [];
    const step = Math.max(1, Math.floor(pkts.length / perFile));
    for (let i = 0; i < pkts.length && frames.length < max; i += step) frames.push(pkts[i]);
  }
  return frames;
}
