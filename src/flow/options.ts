/** Flow-engine settings and their Suricata-like defaults. */
import type { HostOsPolicy } from './os-policy.js';

export interface FlowTimeouts {
  /** Idle timeout of a flow whose handshake has not completed (TCP) or that has seen one direction only, µs. */
  newUs: number;
  /** Idle timeout of an established flow, µs. */
  establishedUs: number;
  /** How long a closed TCP flow (FIN both ways, RST) lingers for stray packets, µs. */
  closedUs: number;
}

export interface FlowTrackerOptions {
  /** Memory cap: at most this many live flows; beyond it the flow nearest its timeout is forced out. */
  maxFlows?: number;
  timeouts?: Partial<FlowTimeouts>;
  /** Out-of-order bytes held per direction before the hole is declared a gap. */
  maxReassemblyBytesPerDirection?: number;
  /** Out-of-order bytes held by all flows together; past it the stream that asks for more gets a gap. */
  maxReassemblyBytesTotal?: number;
  /** This engine's worker shard, so flow ids stay unique across the workers of one run. */
  shard?: { index: number; count: number };
  /**
   * Pick TCP sessions up midstream (first packet not a SYN): true by default, since captures often start
   * mid-connection. false follows Suricata's default `stream.midstream: false`: such a flow is counted and its
   * packets inspected, but it never becomes established and its bytes are not parsed.
   */
  midstream?: boolean;
  /**
   * Suricata's `stream.async-oneside`: a session whose handshake was seen from one side only (SYN then the
   * initiator's ACK, or SYN/ACK then the responder's data, without the other side's answer). true: it becomes
   * established (an asynchronous route). false: the packets after the one-sided handshake are not part of the
   * session (state stays syn_sent, no reassembly or parsing), as Suricata's default. Unset: moat's own behaviour —
   * the data is reassembled and parsed, the state is reported as the flags show it.
   */
  asyncOneside?: boolean;
  /**
   * Suricata's `stream.midstream-policy` in IDS mode, applied to TCP flows that start without a SYN: `ignore`
   * (the midstream setting decides), `pass-flow` (the flow is parsed and logged but not inspected; EVE
   * `flow.action: pass`), `bypass` (only with midstream pickup off: no parsing, no inspection; `flow.state:
   * bypassed`). When set, the flow record names it (`flow.exception_policy`). Checked by checkStreamSettings.
   */
  midstreamPolicy?: MidstreamPolicy;
  /**
   * Suricata's `exception-policy` master switch: the default of every exception policy not set on its own. Of those
   * moat has, it sets the midstream policy as Suricata 8's IDS mode derives it (see masterMidstreamPolicy).
   */
  exceptionPolicy?: MidstreamPolicy;
  /**
   * Suricata's `app-layer.protocols.tls.encryption-handling`. default (unset): after the handshake the TLS payload
   * is not content-matched. full: it is, as any payload. bypass: once the handshake is over the flow is
   * bypassed — no more parsing, packet or stream inspection; what was reassembled before is still inspected at the
   * flow's end, and its record says `state: bypassed`.
   */
  tlsEncryption?: 'default' | 'bypass' | 'full';
  /**
   * Suricata's `stream.bypass`: a TCP flow whose two directions both reached `reassemblyDepth` is bypassed (no more
   * parsing or inspection; its record says `state: bypassed`), on the packet that reached it second.
   */
  streamBypass?: boolean;
  /**
   * Suricata's `host-os-policy`: receiving hosts' TCP overlap policies (os-policy.ts). A stream to a host with a
   * policy other than bsd or windows is held until acknowledged, and overlapping data is resolved as that OS does.
   */
  hostOsPolicy?: HostOsPolicy;
  /**
   * Suricata's `stream.reassembly.depth`: stream bytes reassembled per direction at most (parsers and stream
   * inspection see no more); reaching it raises `stream.reassembly_depth_reached` once per direction. Unset or 0:
   * no limit (moat's default; Suricata's is 1 MiB).
   */
  reassemblyDepth?: number;
  /**
   * Suricata's `decoder.recursion-level.use-for-tracking`: true (default) keeps a packet and the same addresses
   * inside a tunnel as separate flows; false keys them as one flow.
   */
  recursionTracking?: boolean;
  /**
   * Suricata's `app-layer.protocols.<proto>[.tcp|.udp].detection-ports.dp`: per transport and protocol, the ports
   * its probe is told are that protocol's (it then accepts what Suricata's port-based detection does). Content
   * probing still runs on every port.
   */
  detectionPorts?: { tcp?: Record<string, number[]>; udp?: Record<string, number[]> };
}

export type MidstreamPolicy =
  'auto' | 'ignore' | 'pass-flow' | 'pass-packet' | 'bypass' | 'drop-flow' | 'drop-packet' | 'reject';

/** Suricata's default flow timeouts are 30 s (new) and 300 s (established); closed flows linger 10 s. */
export const DEFAULT_TIMEOUTS: FlowTimeouts = {
  newUs: 30_000_000,
  establishedUs: 300_000_000,
  closedUs: 10_000_000,
};

/**
 * Measured ~470 bytes per flow without app state and ~1.1 kB with a parser session (before the parser's own
 * state): 200k flows stay inside the 250 MB budget of acceptance 4 even under a SYN flood.
 */
export const DEFAULT_MAX_FLOWS = 200_000;
export const DEFAULT_MAX_REASSEMBLY_BYTES = 256 * 1024;
export const DEFAULT_MAX_REASSEMBLY_TOTAL = 64 * 1024 * 1024;
