/**
 * Row-by-row comparison of moat's EVE http/dns events with Zeek's http.log/dns.log for the same trace.
 * Rows are paired per connection: HTTP by order within the connection (Zeek's trans_depth, moat's emission
 * order), DNS by transaction id and query name.
 */
import type { Agreement, ZeekRow } from './zeek-baseline.js';
import { zeekEscape } from './zeek-baseline.js';

type Ev = Record<string, unknown>;

function connKey(a: unknown, ap: unknown, b: unknown, bp: unknown): string {
  return `${String(a)}:${String(ap)}>${String(b)}:${String(bp)}`;
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : zeekEscape(String(v));
}

const ZEEK_COLUMN: Record<string, string> = { status: 'status_code' };

export function compareHttp(events: Ev[], rows: ZeekRow[], agg: Agreement, name: string): void {
  const ours = new Map<string, Ev[]>();
  for (const ev of events) {
    if (ev.event_type !== 'http') continue;
    // Cut baselines lack the connection columns: those rows pair with all events in order ('*').
    for (const k of [connKey(ev.src_ip, ev.src_port, ev.dest_ip, ev.dest_port), '*']) {
      const list = ours.get(k) ?? [];
      list.push(ev.http as Ev);
      ours.set(k, list);
    }
  }
  const seen = new Map<string, number>();
  const used = new Set<Ev>();
  for (const row of rows) {
    const k =
      row['id.orig_h'] === undefined
        ? '*'
        : connKey(row['id.orig_h'], row['id.orig_p'], row['id.resp_h'], row['id.resp_p']);
    const i = seen.get(k) ?? 0;
    seen.set(k, i + 1);
    let h = ours.get(k)?.[i];
    if (k === '*') {
      // Without connection columns, pair by request (rows of several connections interleave differently).
      const list = ours.get(k) ?? [];
      h =
        list.find((e) => !used.has(e) && e.http_method === row.method && str(e.url) === row.uri) ??
        list.find((e) => !used.has(e));
    }
    if (h) used.add(h);
    const at = `${name} ${k} #${i + 1}`;
    const cmp = (field: string, zeek: string | undefined, mine: string | undefined, fold = false) => {
      // Columns a cut baseline does not have are not compared.
      if (!Object.prototype.hasOwnProperty.call(row, ZEEK_COLUMN[field] ?? field)) return;
      const z = fold ? zeek?.toLowerCase() : zeek;
      const m = fold ? mine?.toLowerCase() : mine;
      agg.count(
        field,
        h !== undefined && z === m,
        `${at}: zeek ${JSON.stringify(zeek)} moat ${h ? JSON.stringify(mine) : '(no event)'}`,
      );
    };
    if (row.method !== undefined || row.uri !== undefined) {
      cmp('method', row.method, str(h?.http_method));
      cmp('host', row.host, str(h?.hostname), true);
      cmp('uri', row.uri, str(h?.url));
      cmp('user_agent', row.user_agent, str(h?.http_user_agent));
    }
    if (row.status_code !== undefined) cmp('status', row.status_code, str(h?.status));
  }
}

/** moat's answer list in Zeek's presentation: TXT strings as "TXT <len> <text>", others as rdata. */
function ourAnswers(dns: Ev): string[] {
  const out: string[] = [];
  for (const a of (dns.answers as Ev[] | undefined) ?? []) {
    const soa = a.soa as Ev | undefined;
    const srv = a.srv as Ev | undefined;
    if (soa) out.push(String(soa.mname));
    else if (srv) out.push(String(srv.name));
    else if (a.rrtype === 'TXT' || a.rrtype === 'SPF')
      out.push(`${String(a.rrtype)} ${String(a.rdata).length} ${String(a.rdata)}`);
    else out.push(String(a.rdata));
  }
  return out.map((s) => zeekEscape(s));
}

/** Type name in a comparable form: Zeek's "query-65534" and moat's "TYPE65534" both become "65534". */
function typeKey(t: string | undefined): string | undefined {
  if (t === undefined) return undefined;
  if (t === '*') return 'ANY';
  const m = /^(?:query-|TYPE)(\d+)$/.exec(t);
  return m ? m[1] : t;
}

/**
 * Answer types whose presentation differs between Zeek and Suricata beyond formatting (Zeek writes
 * "<unknown type=N>", structured DNSSEC/NAPTR/LOC/WKS text …); rows answering with them are not compared
 * on the answers field.
 */
const ZEEK_SPECIAL_ANSWER =
  /^(<unknown type=|NAPTR |LOC |WKS |HINFO |SSHFP |BIND9 |TKEY|TSIG|RRSIG|DNSKEY|NSEC|DS |CAA )/;

export function compareDns(events: Ev[], rows: ZeekRow[], agg: Agreement, name: string): void {
  const used = new Set<Ev>();
  for (const row of rows) {
    const a = String(row['id.orig_h']);
    const ap = String(row['id.orig_p']);
    const b = String(row['id.resp_h']);
    const bp = String(row['id.resp_p']);
    const inConn = (ev: Ev) =>
      row['id.orig_h'] === undefined ||
      (ev.src_ip === a && String(ev.src_port) === ap && ev.dest_ip === b && String(ev.dest_port) === bp) ||
      (ev.src_ip === b && String(ev.src_port) === bp && ev.dest_ip === a && String(ev.dest_port) === ap);
    const id = Number(row.trans_id);
    const q = row.query?.toLowerCase();
    const candidates = events.filter((ev) => ev.event_type === 'dns' && !used.has(ev) && inConn(ev));
    // EVE dns v3 (the default) lists the questions; v2 has the first one at the top.
    const question = (d: Ev) => (d.queries as Ev[] | undefined)?.[0] ?? d;
    // Zeek names a response without a question after its first answer; so does this comparison.
    const qname = (d: Ev) =>
      String(question(d).rrname ?? (d.answers as Ev[] | undefined)?.[0]?.rrname ?? '').toLowerCase();
    const same = (ev: Ev, types: readonly string[]) => {
      const d = ev.dns as Ev;
      return (
        types.includes(String(d.type)) &&
        (Number.isNaN(id) || d.id === id) &&
        (q === undefined || qname(d) === q)
      );
    };
    const answer = candidates.find((ev) => same(ev, ['answer', 'response']));
    const query = candidates.find((ev) => same(ev, ['query', 'request']));
    if (answer) used.add(answer);
    if (query) used.add(query);
    const d = (answer?.dns ?? query?.dns) as Ev | undefined;
    const at = `${name} ${a}:${ap}>${b}:${bp} id ${id} ${row.query ?? ''}`;
    const cmp = (field: string, zeek: string | undefined, mine: string | undefined, have: boolean) =>
      agg.count(
        field,
        have && zeek === mine,
        `${at}: zeek ${JSON.stringify(zeek)} moat ${have ? JSON.stringify(mine) : '(no event)'}`,
      );
    if (row.query !== undefined) {
      cmp('query', row.query.toLowerCase(), d ? zeekEscape(qname(d)) : undefined, d !== undefined);
      cmp(
        'qtype',
        typeKey(row.qtype_name),
        typeKey(str(d ? question(d).rrtype : undefined)),
        d !== undefined,
      );
    }
    if (row.rcode_name !== undefined) {
      const ad = answer?.dns as Ev | undefined;
      cmp('rcode', row.rcode_name, str(ad?.rcode), ad !== undefined);
    }
    if (row.answers !== undefined) {
      const zeekAnswers = row.answers.split(',');
      if (zeekAnswers.some((x) => ZEEK_SPECIAL_ANSWER.test(x))) continue;
      const ad = answer?.dns as Ev | undefined;
      const mine = ad ? ourAnswers(ad) : [];
      cmp('answers', zeekAnswers.join(','), mine.join(','), ad !== undefined);
    }
  }
}
