/**
 * Acceptance 2 (issue 2): for the Zeek test traces with an ssl.log / x509.log baseline, moat's TLS and
 * certificate facts equal Zeek's, row by row.
 *
 * Pairing. ssl.log rows pair with moat `tls` events by connection 4-tuple (first unused event of that
 * tuple, in order). x509.log rows pair by the certificate's SHA-256 (Zeek's `fingerprint`) with the
 * certificates moat parsed from the same trace — the leaf as written to EVE, the rest of the chain (and
 * client certificates) as the pipeline handed them to the inspection stage (collected with an Inspector).
 *
 * Normalisation, both sides:
 *  - version: Zeek "TLSv12" ↔ Suricata/moat "TLS 1.2" (TLSv10 ↔ "TLSv1", SSLv3 ↔ "SSLv3", drafts
 *    "TLSv13-draft23" ↔ "TLS 1.3 draft-23"); Zeek's "unknown-N" ↔ moat's "UNDETERMINED" or hex form.
 *  - cipher: Zeek's IANA name ↔ `tls.moat.cipher`; resumed T/F ↔ `tls.moat.resumed`; server_name ↔ `tls.sni`.
 *  - subject / issuer: Zeek prints OpenSSL RFC 2253 (reverse RDN order, ',' between RDNs, '+' inside one,
 *    OpenSSL short names, backslash escapes and \XX bytes). Zeek's string is split on unescaped ',' / '+',
 *    unescaped (\XX sequences decoded as UTF-8), and the RDN order reversed; moat's structured RDNs are
 *    named with the same OpenSSL short names. Both become [[name, value], …] per RDN (set members sorted)
 *    and are compared exactly. Suricata's own one-line text is checked separately in unit tests.
 *  - serial: Zeek prints the integer's magnitude in hex; moat prints the DER content bytes with colons
 *    (a leading 00 sign byte kept, as Suricata does): colons and that sign byte are removed before comparing.
 *  - validity: Zeek epoch seconds ↔ moat's EVE "YYYY-MM-DDTHH:MM:SS" (UTC) for the leaf, epoch ms otherwise.
 *  - SANs: DNS names and IP addresses as sets (IPv6 compressed lower-case on both sides).
 *
 * Exclusions (listed in EXCLUDED with the reason): DTLS traces — moat's TLS parser is for TLS over TCP (the
 * DTLS record layer is not claimed in issue 2).
 *
 * Known gaps (KNOWN_GAPS, KNOWN_FIELD_DIFFERENCES): rows that are compared and printed but not asserted,
 * each with the reason; the assertion is 100% agreement on every other row.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { analyzeToEvents } from '../../src/pipeline/collect.js';
import type { Inspector } from '../../src/pipeline/inspector.js';
import type { TlsHandshake } from '../../src/proto/tls/types.js';
import type { CertificateInfo } from '../../src/proto/x509/types.js';
import type { EveEvent } from '../../src/output/eve/header.js';

const ZEEK = join(process.cwd(), '..', 'shared', 'corpus', 'tls', 'zeek');
const skip = existsSync(join(ZEEK, 'tls-trace-baselines.tsv')) ? false : `Zeek corpus not found at ${ZEEK}`;

const EXCLUDED: Record<string, string> = {
  'dtls1_0.pcap': 'DTLS (TLS over UDP) is not claimed by moat',
  'dtls1_2.pcap': 'DTLS (TLS over UDP) is not claimed by moat',
  'webrtc-stun.pcap': 'DTLS inside STUN/WebRTC is not claimed by moat',
  'dtls13-cid.pcap': 'DTLS (TLS over UDP) is not claimed by moat',
  'dtls13-wolfssl.pcap': 'DTLS (TLS over UDP) is not claimed by moat',
};

/**
 * Traces compared and reported but not asserted. STARTTLS: TLS starts after a plaintext SMTP/IMAP/POP3/
 * IRC/XMPP exchange; the flow layer detects TLS by a flow's first bytes only, so these connections are
 * never handed to the TLS parser (src/flow/app-session.ts would need to re-probe after STARTTLS).
 */
const KNOWN_GAPS: Record<string, string> = {};

/**
 * Single fields where Zeek's answer is an artefact of its own rules, not the traffic. Zeek marks a session
 * "resumed" when the server echoes the client's session ID for any version except TLS 1.3 and its 0x7fxx
 * drafts; Google's 0x7e01 TLS 1.3 experiment echoes the ID for middlebox compatibility (TLS 1.3 style) and
 * its ServerHello carries key_share and no pre_shared_key: a full handshake, which moat reports.
 */
const KNOWN_FIELD_DIFFERENCES: Record<string, string> = {
  'chrome-63.0.3211.0-canary-tls_experiment.pcap resumed':
    'Zeek counts the TLS 1.3-experiment middlebox-compat session ID echo as resumption',
};

/** Baseline dirs holding logs of several traces: which file belongs to which trace. */
const SHARED_FILES: Record<string, Record<string, string>> = {
  'scripts.policy.protocols.ssl.validate-ocsp': {
    'ocsp-stapling.pcap': 'ssl.log',
    'ocsp-stapling-digicert.pcap': 'ssl-digicert.log',
    'ocsp-stapling-twimg.pcap': 'ssl-twimg.log',
  },
};

// ---- Zeek TSV -------------------------------------------------------------------------------------------

type Row = Record<string, string>;

function readZeekLog(path: string): Row[] {
  const rows: Row[] = [];
  let fields: string[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('#fields\t')) fields = line.split('\t').slice(1);
    if (line.startsWith('#') || line.length === 0) continue;
    const cols = line.split('\t');
    const row: Row = {};
    fields.forEach((f, i) => (row[f] = cols[i] ?? '-'));
    rows.push(row);
  }
  return rows;
}

function zeekSet(v: string | undefined): string[] {
  if (v === undefined || v === '-' || v === '(empty)') return [];
  return v.split(',');
}

// ---- normalisation --------------------------------------------------------------------------------------

/** OpenSSL short names (what Zeek's RFC 2253 text uses) by attribute OID. */
const OPENSSL_SN: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.13': 'description',
  '2.5.4.15': 'businessCategory',
  '2.5.4.17': 'postalCode',
  '2.5.4.41': 'name',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '1.2.840.113549.1.9.2': 'unstructuredName',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL',
  '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
};

type NormDn = string; // JSON of [[name, value], …] per RDN

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) {
      cur += s[i] + s[i + 1];
      i++;
    } else if (s[i] === sep) {
      out.push(cur);
      cur = '';
    } else {
      cur += s[i];
    }
  }
  out.push(cur);
  return out;
}

function unescapeRfc2253(v: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '\\' && /^[0-9A-Fa-f]{2}$/.test(v.slice(i + 1, i + 3))) {
      bytes.push(parseInt(v.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (v[i] === '\\' && i + 1 < v.length) {
      bytes.push(...Buffer.from(v[i + 1], 'utf8'));
      i++;
    } else {
      bytes.push(...Buffer.from(v[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function zeekDn(s: string): NormDn {
  if (s === '-' || s === '') return '[]';
  const rdns = splitUnescaped(s, ',').map((rdn) =>
    splitUnescaped(rdn, '+')
      .map((atv) => {
        const eq = atv.indexOf('=');
        return [atv.slice(0, eq), unescapeRfc2253(atv.slice(eq + 1))];
      })
      .sort(),
  );
  return JSON.stringify(rdns.reverse());
}

function moatDn(c: CertificateInfo, which: 'subject' | 'issuer'): NormDn {
  const rdns = (which === 'subject' ? c.subjectRdns : c.issuerRdns) ?? [];
  return JSON.stringify(rdns.map((rdn) => rdn.map((a) => [OPENSSL_SN[a.oid] ?? a.oid, a.value]).sort()));
}

function zeekVersionMatches(zeek: string, moat: string | undefined): boolean {
  const fixed: Record<string, string> = {
    SSLv2: 'SSLv2',
    SSLv3: 'SSLv3',
    TLSv10: 'TLSv1',
    TLSv11: 'TLS 1.1',
    TLSv12: 'TLS 1.2',
    TLSv13: 'TLS 1.3',
    '-': 'UNDETERMINED',
  };
  if (fixed[zeek] !== undefined) return moat === fixed[zeek] || (zeek === '-' && moat === undefined);
  const draft = /^TLSv13-draft(\d+)$/.exec(zeek);
  if (draft) return moat === `TLS 1.3 draft-${draft[1]}`;
  const unknown = /^unknown-(\d+)$/.exec(zeek);
  if (unknown) {
    const hex = `0x${Number(unknown[1]).toString(16).padStart(4, '0')}`;
    return moat === 'UNDETERMINED' || moat?.toLowerCase() === hex;
  }
  return false;
}

function serialMagnitude(moatSerial: string): string {
  return moatSerial.replace(/:/g, '').replace(/^(00)+(?=[0-9A-F]{2})/, '');
}

function setEq(a: string[], b: string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

// ---- traces and baselines -------------------------------------------------------------------------------

interface Case {
  trace: string;
  sslLog?: string;
  x509Log?: string;
  baseline: string;
}

function cases(): { chosen: Case[]; excluded: Array<[string, string]> } {
  const lines = readFileSync(join(ZEEK, 'tls-trace-baselines.tsv'), 'utf8').trim().split('\n').slice(1);
  const tracesPerDir = new Map<string, Set<string>>();
  const dirsPerTrace = new Map<string, Array<{ dir: string; files: string[] }>>();
  for (const line of lines) {
    const [trace, dir, files] = line.split('\t');
    const fileList = files.split(',');
    if (!fileList.some((f) => /^ssl.*\.log$|^x509\.log$/.test(f))) continue;
    const d = basename(dir);
    if (!tracesPerDir.has(d)) tracesPerDir.set(d, new Set());
    tracesPerDir.get(d)!.add(trace);
    if (!dirsPerTrace.has(trace)) dirsPerTrace.set(trace, []);
    dirsPerTrace.get(trace)!.push({ dir: d, files: fileList });
  }
  const chosen: Case[] = [];
  const excluded: Array<[string, string]> = [];
  for (const [trace, dirs] of dirsPerTrace) {
    const name = basename(trace);
    if (EXCLUDED[name]) {
      excluded.push([name, EXCLUDED[name]]);
      continue;
    }
    // Prefer a baseline made from this trace alone, from Zeek's base scripts over policy scripts.
    const own = dirs
      .filter((d) => tracesPerDir.get(d.dir)!.size === 1 || SHARED_FILES[d.dir]?.[name])
      .sort((a, b) => Number(b.dir.startsWith('scripts.base.')) - Number(a.dir.startsWith('scripts.base.')));
    const pick = own[0];
    if (!pick) {
      excluded.push([name, 'no baseline made from this trace alone']);
      continue;
    }
    const dir = join(ZEEK, 'baseline', pick.dir);
    const sslName =
      SHARED_FILES[pick.dir]?.[name] ?? (pick.files.includes('ssl.log') ? 'ssl.log' : undefined);
    const c: Case = {
      trace: join(ZEEK, 'traces', trace.replace(/^testing\/btest\/Traces\//, '')),
      baseline: pick.dir,
    };
    if (sslName && existsSync(join(dir, sslName))) c.sslLog = join(dir, sslName);
    if (pick.files.includes('x509.log') && existsSync(join(dir, 'x509.log')))
      c.x509Log = join(dir, 'x509.log');
    chosen.push(c);
  }
  return { chosen, excluded };
}

/** Baselines written from several traces in one run (not part of acceptance 2: reported only). */
function sharedBaselines(): Array<{ dir: string; traces: string[]; logs: string[] }> {
  const lines = readFileSync(join(ZEEK, 'tls-trace-baselines.tsv'), 'utf8').trim().split('\n').slice(1);
  const byDir = new Map<string, { traces: Set<string>; logs: Set<string> }>();
  for (const line of lines) {
    const [trace, dir, files] = line.split('\t');
    const logs = files.split(',').filter((f) => /^ssl.*\.log$|^x509\.log$/.test(f));
    const d = basename(dir);
    if (logs.length === 0 || SHARED_FILES[d]) continue;
    if (!byDir.has(d)) byDir.set(d, { traces: new Set(), logs: new Set() });
    byDir.get(d)!.traces.add(trace);
    logs.forEach((l) => byDir.get(d)!.logs.add(l));
  }
  return [...byDir]
    .filter(([, v]) => v.traces.size > 1)
    .map(([dir, v]) => ({
      dir,
      traces: [...v.traces]
        .filter((t) => !EXCLUDED[basename(t)])
        .map((t) => join(ZEEK, 'traces', t.replace(/^testing\/btest\/Traces\//, ''))),
      logs: [...v.logs].map((l) => join(ZEEK, 'baseline', dir, l)).filter((l) => existsSync(l)),
    }))
    .filter((b) => b.traces.length > 0 && b.logs.length > 0);
}

// ---- running moat ---------------------------------------------------------------------------------------

interface Seen {
  ev: EveEvent;
  h: TlsHandshake;
}

async function runMoat(trace: string): Promise<Seen[]> {
  let file = trace;
  let tmp: string | undefined;
  if (trace.endsWith('.gz')) {
    tmp = mkdtempSync(join(tmpdir(), 'moat-zeek-'));
    file = join(tmp, basename(trace, '.gz'));
    writeFileSync(file, gunzipSync(readFileSync(trace)));
  }
  // Each handshake's tls event is written right after the inspectors saw it: the n-th record is the n-th event.
  const handshakes: TlsHandshake[] = [];
  const collector: Inspector = {
    name: 'zeek-baseline-collector',
    onAppRecord(_flow, record) {
      if (record.type === 'tls') handshakes.push(record.tls);
      return undefined;
    },
  };
  try {
    const { events } = await analyzeToEvents(file, { inspectors: [collector], eveTypes: ['tls'] });
    assert.equal(events.length, handshakes.length);
    return events.map((ev, i) => ({ ev, h: handshakes[i] }));
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

// ---- comparison -----------------------------------------------------------------------------------------

const FIELDS = [
  'server_name',
  'version',
  'cipher',
  'resumed',
  'subject',
  'issuer',
  'serial',
  'not_valid_before',
  'not_valid_after',
  'san_dns',
  'san_ip',
] as const;
type Field = (typeof FIELDS)[number];

class Tally {
  /** All rows. */
  readonly agree = new Map<Field, number>();
  readonly total = new Map<Field, number>();
  /** Rows outside the known gaps: these must all agree. */
  readonly strictAgree = new Map<Field, number>();
  readonly strictTotal = new Map<Field, number>();
  readonly misses: string[] = [];
  readonly knownMisses: string[] = [];
  note(field: Field, ok: boolean, where: string, zeek: unknown, moat: unknown): void {
    const trace = where.split(' ')[0];
    const known = KNOWN_GAPS[trace] ?? KNOWN_FIELD_DIFFERENCES[`${trace} ${field}`];
    this.total.set(field, (this.total.get(field) ?? 0) + 1);
    if (ok) this.agree.set(field, (this.agree.get(field) ?? 0) + 1);
    if (!known) {
      this.strictTotal.set(field, (this.strictTotal.get(field) ?? 0) + 1);
      if (ok) this.strictAgree.set(field, (this.strictAgree.get(field) ?? 0) + 1);
    }
    if (ok) return;
    const line = `${where} ${field}: zeek=${JSON.stringify(zeek)} moat=${JSON.stringify(moat)}`;
    if (known) this.knownMisses.push(`${line} [${known}]`);
    else this.misses.push(line);
  }
}

function tupleOf(ev: EveEvent): string {
  return `${String(ev.src_ip)}|${String(ev.src_port)}|${String(ev.dest_ip)}|${String(ev.dest_port)}`;
}

function compareSsl(c: Case, rows: Row[], seen: Seen[], t: Tally): void {
  const used = new Set<Seen>();
  for (const row of rows) {
    const key = `${row['id.orig_h']}|${row['id.orig_p']}|${row['id.resp_h']}|${row['id.resp_p']}`;
    const s = seen.find((x) => !used.has(x) && tupleOf(x.ev) === key);
    const where = `${basename(c.trace)} ${key}`;
    if (s) used.add(s);
    const tls = (s?.ev.tls ?? {}) as Record<string, unknown>;
    const moat = (tls.moat ?? {}) as Record<string, unknown>;
    const sni = row.server_name === '-' ? undefined : row.server_name;
    t.note('server_name', s !== undefined && tls.sni === sni, where, row.server_name, tls.sni);
    // Zeek's version is the server's; with no ServerHello it logs "-" whatever moat names from the client.
    t.note(
      'version',
      s !== undefined &&
        (row.version === '-'
          ? moat.cipher === undefined
          : zeekVersionMatches(row.version, tls.version as string)),
      where,
      row.version,
      tls.version,
    );
    const cipher = row.cipher === '-' ? undefined : row.cipher;
    t.note('cipher', s !== undefined && moat.cipher === cipher, where, row.cipher, moat.cipher);
    t.note(
      'resumed',
      s !== undefined && (row.resumed === 'T') === (moat.resumed === true),
      where,
      row.resumed,
      moat.resumed,
    );
  }
}

function compareX509(c: Case, rows: Row[], seen: Seen[], t: Tally): void {
  const bySha = new Map<string, { cert: CertificateInfo; leafEv?: EveEvent }>();
  for (const s of seen) {
    s.h.clientCertificates.forEach((cert) => bySha.has(cert.sha256) || bySha.set(cert.sha256, { cert }));
    s.h.serverCertificates.forEach((cert, i) => {
      const known = bySha.get(cert.sha256);
      if (i === 0) bySha.set(cert.sha256, { cert, leafEv: known?.leafEv ?? s.ev });
      else if (!known) bySha.set(cert.sha256, { cert });
    });
  }
  for (const row of rows) {
    const where = `${basename(c.trace)} cert ${row.fingerprint.slice(0, 16)}`;
    const found = bySha.get(row.fingerprint);
    const cert = found?.cert;
    t.note(
      'subject',
      !!cert && moatDn(cert, 'subject') === zeekDn(row['certificate.subject']),
      where,
      row['certificate.subject'],
      cert && moatDn(cert, 'subject'),
    );
    t.note(
      'issuer',
      !!cert && moatDn(cert, 'issuer') === zeekDn(row['certificate.issuer']),
      where,
      row['certificate.issuer'],
      cert && moatDn(cert, 'issuer'),
    );
    t.note(
      'serial',
      !!cert && serialMagnitude(cert.serial) === row['certificate.serial'],
      where,
      row['certificate.serial'],
      cert?.serial,
    );
    // For a leaf, take the validity from the EVE record (the text Suricata's schema carries).
    const tls = found?.leafEv?.tls as Record<string, unknown> | undefined;
    const nb = tls?.notbefore !== undefined ? Date.parse(`${String(tls.notbefore)}Z`) : cert?.notBefore;
    const na = tls?.notafter !== undefined ? Date.parse(`${String(tls.notafter)}Z`) : cert?.notAfter;
    t.note(
      'not_valid_before',
      nb === Number(row['certificate.not_valid_before']) * 1000,
      where,
      row['certificate.not_valid_before'],
      nb,
    );
    t.note(
      'not_valid_after',
      na === Number(row['certificate.not_valid_after']) * 1000,
      where,
      row['certificate.not_valid_after'],
      na,
    );
    t.note(
      'san_dns',
      !!cert && setEq(cert.sanDns, zeekSet(row['san.dns'])),
      where,
      row['san.dns'],
      cert?.sanDns,
    );
    t.note('san_ip', !!cert && setEq(cert.sanIp, zeekSet(row['san.ip'])), where, row['san.ip'], cert?.sanIp);
  }
}

describe('Zeek ssl.log / x509.log baselines (acceptance 2)', { skip }, () => {
  it('agrees with Zeek field by field on every included trace', { timeout: 120_000 }, async () => {
    const { chosen, excluded } = cases();
    assert.ok(chosen.length >= 25, `only ${chosen.length} traces selected`);
    const t = new Tally();
    let sslRows = 0;
    let x509Rows = 0;
    for (const c of chosen) {
      const seen = await runMoat(c.trace);
      if (c.sslLog) {
        const rows = readZeekLog(c.sslLog);
        sslRows += rows.length;
        compareSsl(c, rows, seen, t);
      }
      if (c.x509Log) {
        const rows = readZeekLog(c.x509Log);
        x509Rows += rows.length;
        compareX509(c, rows, seen, t);
      }
    }
    const report = [
      `Zeek baseline agreement: ${chosen.length} traces, ${sslRows} ssl.log rows, ${x509Rows} x509.log rows`,
      '  field             all rows   outside known gaps',
      ...FIELDS.map(
        (f) =>
          `  ${f.padEnd(17)} ${`${t.agree.get(f) ?? 0}/${t.total.get(f) ?? 0}`.padEnd(10)} ` +
          `${t.strictAgree.get(f) ?? 0}/${t.strictTotal.get(f) ?? 0}`,
      ),
      ...excluded.map(([n, why]) => `  excluded ${n}: ${why}`),
      ...Object.entries(KNOWN_GAPS).map(([n, why]) => `  known gap ${n}: ${why}`),
      ...t.misses.slice(0, 80).map((m) => `  MISMATCH ${m}`),
      `  (${t.knownMisses.length} differences inside known gaps)`,
    ];
    console.log(report.join('\n'));
    for (const f of FIELDS) {
      const total = t.strictTotal.get(f) ?? 0;
      assert.ok(total >= 25, `only ${total} rows compared for ${f}`);
      assert.equal(t.strictAgree.get(f) ?? 0, total, `${f}: ${t.strictAgree.get(f) ?? 0}/${total} agree`);
    }
  });

  it(
    'reports agreement on baselines written from several traces (information, not asserted)',
    {
      timeout: 120_000,
    },
    async () => {
      const t = new Tally();
      let rows = 0;
      const shared = sharedBaselines().filter((b) => !b.dir.includes('dtls'));
      for (const b of shared) {
        const seen: Seen[] = [];
        for (const trace of b.traces) seen.push(...(await runMoat(trace)));
        // Rows carry no trace name: pair them by 4-tuple / fingerprint over all the baseline's traces.
        const c: Case = { trace: b.dir, baseline: b.dir };
        for (const log of b.logs) {
          // DTLS rows come from the excluded DTLS traces of the same run.
          const r = readZeekLog(log).filter((row) => !row.version?.startsWith('DTLS'));
          rows += r.length;
          if (basename(log) === 'x509.log') compareX509(c, r, seen, t);
          else compareSsl(c, r, seen, t);
        }
      }
      const report = [
        `Zeek multi-trace baselines: ${shared.length} baselines, ${rows} rows (not part of acceptance 2)`,
        ...FIELDS.filter((f) => t.total.has(f)).map(
          (f) => `  ${f.padEnd(17)} ${t.agree.get(f) ?? 0}/${t.total.get(f) ?? 0}`,
        ),
        ...t.misses.slice(0, 40).map((m) => `  DIFF ${m}`),
      ];
      console.log(report.join('\n'));
      assert.ok(shared.length > 0);
    },
  );
});
