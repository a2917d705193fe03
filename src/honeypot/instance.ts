/**
 * One instance per communication: who came, on which service, what they tried, typed and
 * fetched. The record is what gets stored, logged as EVE `honeypot` events and desensitised.
 */
export type CommandRoute = 'emulator' | 'device' | 'blocked';

export interface DownloadRecord {
  url: string;
  tool: string;
  status: 'fetched' | 'out-of-scope' | 'failed' | 'too-large';
  sha256?: string;
  size?: number;
  quarantine?: string;
}

export interface SampleRecord {
  sha256: string;
  size: number;
  /** How it arrived: a download URL, or `pushed:<path>` for echo/printf-assembled files. */
  source: string;
  quarantine: string;
  executed: boolean;
}

export interface InstanceRecord {
  id: string;
  service: string;
  peerIp: string;
  peerPort: number;
  localPort: number;
  start: string;
  end?: string;
  endReason?: string;
  credentials: Array<{ user: string; password: string; accepted: boolean }>;
  commands: Array<{ at: string; line: string; route: CommandRoute }>;
  downloads: DownloadRecord[];
  samples: SampleRecord[];
  bytesIn: number;
  bytesOut: number;
  capture?: CaptureRef;
}

/** Where the honeypot kept the session's packets (capture.ts) and how much it holds. */
export interface CaptureRef {
  /** The session's pcap file (classic pcap, the capture interface's link type). */
  file: string;
  packets: number;
  /** Bytes of packet data written (headers of the file not counted). */
  bytes: number;
  /** Packets left out once the session reached `capture.maxBytesPerSession`. */
  dropped: number;
  /** The file is complete: the session ended and its last packets were written. */
  complete: boolean;
}
