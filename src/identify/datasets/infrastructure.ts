/**
 * Which of USTC's malware remotes are black-market infrastructure (issue 15). USTC labels every remote a malware
 * capture talked to as malware, yet most of them are the malware's *targets*: the mail servers its spam went to
 * (port 25), the web sites it fetched or clicked (80, 443) — 78% of them met in a single conversation. Taught as
 * positives, they make any single web or TLS session look black.
 *
 * Infrastructure is read from the traffic, not from file names: a remote is infrastructure when the infected host
 * connected to it as a client (the remote is the listening side: its port is below the host's) on a port outside
 * the IANA system range (≥ 1024) — where C2 panels, IRC C2, open proxies and P2P super-nodes listen, and where
 * no public mail, web or name service does. Remotes the malware reached on system ports are neither positive nor
 * negative: they leave the labelled data (a target is not black, but it is no evidence of clean traffic either).
 * Benign samples are kept as they are.
 *
 * Limit: the listening side is read from the port order. That holds for a client on an ephemeral port; a P2P bot
 * (Nsis-ay) talks from one fixed UDP port to peers on random ports, so about a third of its peers (those on a port
 * below the bot's) count as infrastructure and the rest leave the data. The QuasarRAT and AsyncRAT C2s of the
 * corpus listen on 1337, 7084, 4041 and 4782 and are met from ephemeral ports, as the rule expects.
 */
import type { AddressSample } from './ustc-conversations.js';

/** First port of the IANA user (registered) range: below it are the system ports of public services. */
export const FIRST_NON_SYSTEM_PORT = 1024;

/**
 * The remote's own port in most of its flows is ≥ 1024, and in most of them it is the listening side (its port
 * below the peer's) — a service the infected host connected to, not a peer that connected to it.
 */
export function isInfrastructure(s: AddressSample): boolean {
  let withPorts = 0;
  let nonSystem = 0;
  let listening = 0;
  for (const f of s.flows) {
    if (f.port === undefined || f.peer_port === undefined) continue;
    withPorts++;
    if (f.port >= FIRST_NON_SYSTEM_PORT) nonSystem++;
    if (f.port < f.peer_port) listening++;
  }
  return withPorts > 0 && nonSystem * 2 > withPorts && listening * 2 > withPorts;
}

export interface InfrastructureSelection {
  samples: AddressSample[];
  /** Malware remotes left out as targets (reached on system ports, or not the listening side). */
  targets: number;
}

/** Keeps every benign sample and the malware remotes that are infrastructure (see isInfrastructure). */
export function infrastructurePositives(samples: readonly AddressSample[]): InfrastructureSelection {
  const out: AddressSample[] = [];
  let targets = 0;
  for (const s of samples)
    if (s.y === 0 || isInfrastructure(s)) out.push(s);
    else targets++;
  return { samples: out, targets };
}
