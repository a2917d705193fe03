/**
 * Behaviour labels (A-83: software and network behaviour are the training labels), derived from the
 * static and dynamic reports by explicit, explainable rules — each label carries its reasons.
 */
import type { StaticReport } from './static.js';
import type { DynamicReport } from './dynamic.js';
import { PERSISTENCE_PATHS } from './script.js';

export type BehaviourLabel =
  | 'scanner'
  | 'downloader'
  | 'persistence'
  | 'c2-beacon'
  | 'ddos-flooder'
  | 'cryptominer'
  | 'packed'
  | 'benign';

export interface Labelled {
  labels: BehaviourLabel[];
  reasons: Partial<Record<BehaviourLabel, string[]>>;
}

const SCAN_PORTS = new Set([22, 23, 2323, 5555, 7547, 37215, 52869, 8080, 81]);
const MINER_PORTS = new Set([3333, 4444, 5555, 7777, 14444, 45700]);
const SINK_IP = '10.66.0.2';

export function labelSample(st: StaticReport, dyn?: DynamicReport): Labelled {
  const reasons: Labelled['reasons'] = {};
  const add = (l: BehaviourLabel, why: string): void => {
    (reasons[l] ??= []).push(why);
  };
  for (const r of st.rules) for (const l of r.labels) add(l as BehaviourLabel, `rule ${r.rule}`);
  if (st.packer) add('packed', `packer ${st.packer}`);
  if (st.script?.downloads.length) add('downloader', `script fetches ${st.script.downloads.length} URL(s)`);
  if (st.script?.persistence.length) add('persistence', `script writes ${st.script.persistence[0]}`);
  if (dyn?.ran) {
    const t = dyn.trace;
    const connects = t.network.filter((n) => n.syscall === 'connect' && n.ip && n.ip !== '127.0.0.1');
    const targets = new Set(connects.map((n) => n.ip));
    const scanPortHits = connects.filter((n) => n.port !== undefined && SCAN_PORTS.has(n.port));
    if (targets.size >= 8) add('scanner', `connects to ${targets.size} distinct addresses`);
    else if (new Set(scanPortHits.map((n) => n.ip)).size >= 4)
      add('scanner', `telnet/ssh-style ports on ${new Set(scanPortHits.map((n) => n.ip)).size} addresses`);
    const perEndpoint = new Map<string, number>();
    for (const n of connects)
      perEndpoint.set(`${n.ip}:${n.port}`, (perEndpoint.get(`${n.ip}:${n.port}`) ?? 0) + 1);
    for (const [ep, k] of perEndpoint) {
      const port = Number(ep.split(':').pop());
      if (k >= 3 && !SCAN_PORTS.has(port)) add('c2-beacon', `${k} connections to ${ep}`);
      if (MINER_PORTS.has(port)) add('cryptominer', `connects to mining pool port ${ep}`);
    }
    const raw = t.sockets.filter((s) => s.type === 'SOCK_RAW' && s.family !== 'AF_NETLINK');
    if (raw.length > 0) add('ddos-flooder', `${raw.length} raw socket(s)`);
    const sends = t.network.filter((n) => n.syscall !== 'connect');
    const perDest = new Map<string, number>();
    for (const n of sends) if (n.ip && n.ip !== SINK_IP) perDest.set(n.ip, (perDest.get(n.ip) ?? 0) + 1);
    for (const [ip, k] of perDest) if (k >= 200) add('ddos-flooder', `${k} datagrams to ${ip}`);
    const fetchers = t.processes.filter((p) => /(^|\/)(wget|curl|tftp|ftpget)$/.test(p.path));
    if (fetchers.length > 0)
      add('downloader', `runs ${fetchers.map((p) => p.path.split('/').pop()).join(', ')}`);
    const gets = dyn.sink.filter((s) => s.kind === 'http');
    if (gets.length > 0) add('downloader', `${gets.length} HTTP request(s) to the sink (${gets[0].url})`);
    const persist = t.filesWritten.filter((w) => PERSISTENCE_PATHS.test(w.path));
    if (persist.length > 0)
      add('persistence', `writes ${persist[0].path}${persist[0].ok ? '' : ' (denied)'}`);
    if (dyn.sink.some((s) => s.kind === 'dns' && /pool|xmr|monero|nanopool|minexmr/i.test(s.name ?? '')))
      add('cryptominer', 'resolves a mining pool name');
  }
  let labels = Object.keys(reasons) as BehaviourLabel[];
  if (labels.length === 0 || (labels.length === 1 && labels[0] === 'packed')) {
    add('benign', dyn?.ran ? 'no malicious behaviour observed' : 'no malicious indicator found statically');
    labels = Object.keys(reasons) as BehaviourLabel[];
  }
  return { labels: labels.sort(), reasons };
}
