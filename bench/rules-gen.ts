/**
 * Generates a realistic rule set for the Acceptance 2 bench: N Suricata content rules shaped like an ET-style
 * feed — web attacks on HTTP ports with flow options, sticky-buffer rules on http.uri/host/user_agent/header,
 * TLS SNI and JA3, DNS queries, UDP services, binary payload signatures on assorted ports in both directions,
 * a few pcre rules anchored by a content, and a few rules whose fast pattern is common in traffic (as real feeds
 * have). A handful of rules match the bench capture so alerts are really produced. Deterministic per seed.
 */
import { mulberry32 as rng } from '../src/framework/prng.js';

const WORDS = [
  'admin',
  'login',
  'shell',
  'cmd',
  'exec',
  'upload',
  'config',
  'backup',
  'wp-content',
  'plugins',
  'cgi-bin',
  'setup',
  'update',
  'install',
  'panel',
  'api',
  'v1',
  'debug',
  'passwd',
  'token',
  'session',
  'invoke',
  'bot',
  'payload',
  'stage',
  'loader',
  'gate',
  'beacon',
  'report',
  'task',
  'check',
  'ping',
  'order',
  'tmp',
  'data',
];
const TLDS = ['xyz', 'top', 'ru', 'cn', 'info', 'biz', 'club', 'online', 'site', 'pw', 'cc', 'su'];
const TCP_PORTS = [
  '21',
  '22',
  '23',
  '25',
  '110',
  '143',
  '445',
  '1433',
  '3306',
  '3389',
  '5900',
  '6379',
  '8080',
  '8443',
  '9200',
  '[7547,37215]',
  '[2323,23]',
  '1024:',
];
const UDP_PORTS = ['53', '69', '123', '161', '1900', '5060', '11211', 'any'];
const CLASSTYPES = [
  'trojan-activity',
  'web-application-attack',
  'attempted-admin',
  'policy-violation',
  'bad-unknown',
  'attempted-recon',
];

/** Rules that match the bench capture's traffic (so alerts and full evaluation happen), as content options. */
const MATCHING = [
  'alert http any any -> any any (msg:"BENCH http index request"; flow:established,to_server; http.uri; content:"/index.html"; classtype:policy-violation;',
  'alert tls any any -> any any (msg:"BENCH tls sni wild"; flow:established,to_server; tls.sni; content:".wild.test"; endswith; classtype:policy-violation;',
  'alert dns any any -> any any (msg:"BENCH dns query"; dns.query; content:".test"; classtype:policy-violation;',
  'alert tcp any any -> any 80 (msg:"BENCH GET index"; flow:established,to_server; content:"GET "; depth:4; content:"index.html"; distance:0; classtype:policy-violation;',
];

export function generateRules(n: number, seed = 1): string[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const alnum = (len: number): string => {
    const cs = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < len; i++) s += cs[Math.floor(r() * cs.length)];
    return s;
  };
  const hex = (len: number): string => {
    const b: string[] = [];
    for (let i = 0; i < len; i++)
      b.push(
        Math.floor(r() * 256)
          .toString(16)
          .padStart(2, '0'),
      );
    return `"|${b.join(' ')}|"`;
  };
  const path = (): string =>
    `/${pick(WORDS)}/${alnum(3 + Math.floor(r() * 6))}.${pick(['php', 'asp', 'jsp', 'cgi', 'bin'])}`;
  const domain = (): string => `${alnum(5 + Math.floor(r() * 8))}.${pick(TLDS)}`;
  const out: string[] = [];
  let sid = 9_000_000;
  const meta = (): string => `classtype:${pick(CLASSTYPES)}; sid:${++sid}; rev:${1 + Math.floor(r() * 4)};)`;
  for (const m of MATCHING) out.push(`${m} sid:${++sid}; rev:1;)`);
  while (out.length < n) {
    const k = r();
    const msg = `msg:"GEN ${alnum(6)} ${pick(WORDS)}";`;
    if (k < 0.25) {
      // Web attack in the raw stream, to the HTTP ports.
      const extra =
        r() < 0.4 ? ` content:"${pick(WORDS)}="; distance:0; within:${40 + Math.floor(r() * 200)};` : '';
      const pcre = r() < 0.06 ? ` pcre:"/${pick(WORDS)}=[a-z0-9]{${4 + Math.floor(r() * 8)}}/Ri";` : '';
      out.push(
        `alert tcp $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS (${msg} flow:established,to_server; content:"${path()}"; nocase;${extra}${pcre} ${meta()}`,
      );
    } else if (k < 0.35) {
      out.push(
        `alert http $HOME_NET any -> $EXTERNAL_NET any (${msg} flow:established,to_server; http.method; content:"${pick(['GET', 'POST'])}"; http.uri; content:"${path()}"; ${r() < 0.5 ? 'startswith; ' : ''}${meta()}`,
      );
    } else if (k < 0.41) {
      out.push(
        `alert http any any -> any any (${msg} flow:established,to_server; http.host; content:"${domain()}"; endswith; ${meta()}`,
      );
    } else if (k < 0.45) {
      out.push(
        `alert http $HOME_NET any -> any any (${msg} flow:established,to_server; http.user_agent; content:"${pick(['Mozilla/4.0 (', 'curl/', 'python-requests/', 'Go-http-client/'])}${alnum(6)}"; ${meta()}`,
      );
    } else if (k < 0.48) {
      out.push(
        `alert http any any -> any any (${msg} flow:established,to_server; http.header; content:"X-${alnum(6)}|3a| "; nocase; ${meta()}`,
      );
    } else if (k < 0.58) {
      out.push(
        `alert tls $HOME_NET any -> $EXTERNAL_NET any (${msg} flow:established,to_server; tls.sni; content:"${domain()}"; ${r() < 0.6 ? 'endswith; ' : ''}${meta()}`,
      );
    } else if (k < 0.6) {
      out.push(
        `alert tls any any -> any any (${msg} ja3.hash; content:"${alnum(32).replace(/[g-z]/g, 'a')}"; ${meta()}`,
      );
    } else if (k < 0.67) {
      out.push(
        `alert dns $HOME_NET any -> any any (${msg} dns.query; content:"${domain()}"; nocase; ${meta()}`,
      );
    } else if (k < 0.75) {
      const port = pick(UDP_PORTS);
      out.push(
        `alert udp any any -> $HOME_NET ${port} (${msg} content:${hex(4 + Math.floor(r() * 6))}; depth:${20 + Math.floor(r() * 60)}; ${meta()}`,
      );
    } else if (k < 0.9) {
      // Binary exploit/malware signatures on assorted services, either direction.
      const port = pick(TCP_PORTS);
      const toServer = r() < 0.7;
      const hdr = toServer
        ? `$EXTERNAL_NET any -> $HOME_NET ${port}`
        : `$HOME_NET ${port} -> $EXTERNAL_NET any`;
      const second = r() < 0.5 ? ` content:"${alnum(4)}"; distance:${Math.floor(r() * 8)};` : '';
      out.push(
        `alert tcp ${hdr} (${msg} flow:established,${toServer ? 'to_server' : 'to_client'}; content:${hex(5 + Math.floor(r() * 8))};${second} ${meta()}`,
      );
    } else if (k < 0.98) {
      // C2 check-ins on any port: text markers.
      out.push(
        `alert tcp $HOME_NET any -> $EXTERNAL_NET any (${msg} flow:established,to_server; content:"${pick(WORDS)}_${alnum(8)}"; ${meta()}`,
      );
    } else {
      // Rules whose fast pattern is common in traffic, confirmed by a rare second content (as in real feeds).
      const common = pick([
        'HTTP/1.1|0d 0a|',
        'User-Agent|3a| ',
        'Host|3a| ',
        'Content-Length|3a| ',
        '|16 03 01|',
      ]);
      out.push(
        `alert tcp any any -> any any (${msg} flow:established; content:"${common}"; fast_pattern; content:"${alnum(10)}"; distance:0; ${meta()}`,
      );
    }
  }
  return out;
}
