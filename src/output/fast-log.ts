/**
 * fast.log: Suricata's one-line alert log (alert-fastlog.c), written from moat's EVE alert records:
 *
 *   11/22/2026-23:37:43.123456  [**] [1:2100498:7] GPL ATTACK_RESPONSE id check returned root [**]
 *   [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 192.0.2.1:80 -> 198.51.100.7:51234
 *
 * (one line). The time is the packet's, month/day/year; a rule without a classtype prints "(null)" as Suricata's
 * printf does; ICMP alerts give the type and code in the port places; IPv6 addresses are written in full, four hex
 * digits a group, as Suricata prints them. An alert without addresses (a decoder event on a packet that has no IP
 * layer) prints the first 32 bytes of the packet in hex when the record carries them, and its pcap packet number.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseIpInto } from '../address/index.js';

type Json = Record<string, unknown>;

const words = new Uint32Array(4);

function address(a: string): string {
  if (!a.includes(':') || parseIpInto(a, words) !== 6) return a;
  const groups: string[] = [];
  for (let i = 0; i < 8; i++)
    groups.push(((words[i >> 1] >>> (i & 1 ? 0 : 16)) & 0xffff).toString(16).padStart(4, '0'));
  return groups.join(':');
}

/** EVE's "2026-11-22T23:37:43.123456+0000" as fast.log's "11/22/2026-23:37:43.123456" (the same clock). */
function fastTime(ts: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2}\.\d{6})/.exec(ts);
  return m ? `${m[2]}/${m[3]}/${m[1]}-${m[4]}` : ts;
}

/** The fast.log line (with its newline) of an EVE record, or undefined when the record is not an alert. */
export function fastLogLine(ev: Json): string | undefined {
  if (ev.event_type !== 'alert') return undefined;
  const a = (ev.alert ?? {}) as Json;
  const action = a.action === 'blocked' ? '[Drop] ' : '';
  const head =
    `${fastTime(String(ev.timestamp ?? ''))}  ${action}[**] [${String(a.gid ?? 1)}:${String(a.signature_id)}:` +
    `${String(a.rev ?? 0)}] ${String(a.signature ?? '')} [**] [Classification: ${a.category ? String(a.category) : '(null)'}] ` +
    `[Priority: ${String(a.severity ?? 3)}]`;
  if (typeof ev.src_ip === 'string' && typeof ev.dest_ip === 'string') {
    const icmp = ev.proto === 'ICMP' || ev.proto === 'IPv6-ICMP';
    const sp = icmp ? ev.icmp_type : ev.src_port;
    const dp = icmp ? ev.icmp_code : ev.dest_port;
    return `${head} {${String(ev.proto)}} ${address(ev.src_ip)}:${String(sp ?? 0)} -> ${address(ev.dest_ip)}:${String(dp ?? 0)}\n`;
  }
  const pkt =
    typeof ev.packet === 'string' ? Buffer.from(ev.packet, 'base64').subarray(0, 32) : Buffer.alloc(0);
  let hex = '';
  for (const b of pkt) hex += `${b.toString(16).toUpperCase().padStart(2, '0')} `;
  const cnt =
    typeof ev.pcap_cnt === 'number' && ev.pcap_cnt > 0 ? `] [pcap file packet: ${ev.pcap_cnt}]` : ']';
  return `${head} [**] [Raw pkt: ${hex}${cnt}\n`;
}

/** The fast.log text of a run's EVE records. */
export function fastLogText(events: Iterable<Json>): string {
  let out = '';
  for (const ev of events) out += fastLogLine(ev) ?? '';
  return out;
}

/**
 * Writes `outFile` from an EVE file, one line per alert record, reading the EVE file a line at a time. Returns the
 * number of alert lines written.
 */
export async function writeFastLogFromEve(eveFile: string, outFile: string): Promise<number> {
  const out = createWriteStream(outFile);
  const lines = createInterface({ input: createReadStream(eveFile), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      // Only alert records are parsed; the others are most of the file.
      if (!line.includes('"event_type":"alert"')) continue;
      const text = fastLogLine(JSON.parse(line) as Json);
      if (text === undefined) continue;
      n++;
      if (!out.write(text)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return n;
}
