/**
 * The certificate extensions moat reports: subject alternative names, basic constraints, key usage,
 * extended key usage, certificate policies (EV/OV/DV classification reads them), authority information
 * access (OCSP responder, CA issuer) and CRL distribution points. A damaged extension is skipped and
 * named in `extensionErrors` rather than failing the whole certificate: the names, key and validity are
 * still worth reporting.
 */
import { formatIp, readIpBytes } from '../../address/index.js';
import {
  CLASS_CONTEXT,
  CLASS_UNIVERSAL,
  DerError,
  TAG,
  children,
  expect,
  oidText,
  readTlv,
  smallInt,
  type Tlv,
} from './der.js';
import { EXT_KEY_USAGES, KEY_USAGE_BITS, OID } from './oids.js';

export interface ExtensionFacts {
  sanDns: string[];
  sanIp: string[];
  sanEmail: string[];
  sanUri: string[];
  isCA: boolean;
  pathLength?: number;
  /** basicConstraints present at all (Zeek logs "-" when it is absent). */
  hasBasicConstraints: boolean;
  keyUsage: string[];
  extKeyUsage: string[];
  policies: string[];
  ocspUrls: string[];
  caIssuerUrls: string[];
  crlUrls: string[];
  subjectKeyId?: string;
  authorityKeyId?: string;
  /** Number of embedded Certificate Transparency SCTs (RFC 6962), 0 when none. */
  sctCount: number;
  /** TLS Feature extension asks for status_request (OCSP must-staple, RFC 7633). */
  mustStaple: boolean;
  /** Every extension OID in certificate order. */
  extensionOids: string[];
  /** Extensions that could not be decoded: "2.5.29.17: <reason>". */
  extensionErrors: string[];
}

export function emptyExtensionFacts(): ExtensionFacts {
  return {
    sanDns: [],
    sanIp: [],
    sanEmail: [],
    sanUri: [],
    isCA: false,
    hasBasicConstraints: false,
    keyUsage: [],
    extKeyUsage: [],
    policies: [],
    ocspUrls: [],
    caIssuerUrls: [],
    crlUrls: [],
    sctCount: 0,
    mustStaple: false,
    extensionOids: [],
    extensionErrors: [],
  };
}

const ascii = new TextDecoder('latin1');

function text(buf: Uint8Array, t: Tlv): string {
  return ascii.decode(buf.subarray(t.valueStart, t.end));
}

/** Reads the [3] EXPLICIT Extensions wrapper's SEQUENCE into `facts`. */
export function parseExtensions(buf: Uint8Array, seq: Tlv, facts: ExtensionFacts): void {
  for (const ext of children(buf, seq, 'extension')) {
    if (ext.cls !== CLASS_UNIVERSAL || ext.tag !== TAG.SEQUENCE) {
      throw new DerError(`extension: expected SEQUENCE, found tag ${ext.tag}`, ext.start);
    }
    const oidTlv = expect(buf, ext.valueStart, ext.end, TAG.OID, 'extension id');
    const oid = oidText(buf, oidTlv);
    facts.extensionOids.push(oid);
    let next = readTlv(buf, oidTlv.end, ext.end, `extension ${oid} value`);
    if (next.cls === CLASS_UNIVERSAL && next.tag === TAG.BOOLEAN) {
      next = readTlv(buf, next.end, ext.end, `extension ${oid} value`);
    }
    if (next.cls !== CLASS_UNIVERSAL || next.tag !== TAG.OCTET_STRING) {
      throw new DerError(`extension ${oid}: value is not an OCTET STRING`, next.start);
    }
    try {
      parseOne(buf, oid, next.valueStart, next.end, facts);
    } catch (e) {
      if (!(e instanceof DerError)) throw e;
      facts.extensionErrors.push(`${oid}: ${e.message}`);
    }
  }
}

function parseOne(buf: Uint8Array, oid: string, start: number, end: number, f: ExtensionFacts): void {
  switch (oid) {
    case OID.subjectAltName: {
      const seq = expect(buf, start, end, TAG.SEQUENCE, 'subjectAltName');
      for (const gn of children(buf, seq, 'subjectAltName entry')) addGeneralName(buf, gn, f);
      return;
    }
    case OID.basicConstraints: {
      const seq = expect(buf, start, end, TAG.SEQUENCE, 'basicConstraints');
      f.hasBasicConstraints = true;
      for (const c of children(buf, seq, 'basicConstraints field')) {
        if (c.cls !== CLASS_UNIVERSAL) continue;
        if (c.tag === TAG.BOOLEAN) f.isCA = c.end > c.valueStart && buf[c.valueStart] !== 0;
        else if (c.tag === TAG.INTEGER) f.pathLength = smallInt(buf, c, 'basicConstraints pathLen');
      }
      return;
    }
    case OID.keyUsage: {
      const bits = expect(buf, start, end, TAG.BIT_STRING, 'keyUsage');
      if (bits.end === bits.valueStart) throw new DerError('keyUsage: empty BIT STRING', bits.start);
      const unused = buf[bits.valueStart];
      const nbits = (bits.end - bits.valueStart - 1) * 8 - unused;
      for (let i = 0; i < nbits && i < KEY_USAGE_BITS.length; i++) {
        const byte = buf[bits.valueStart + 1 + (i >> 3)];
        if (byte & (0x80 >> (i & 7))) f.keyUsage.push(KEY_USAGE_BITS[i]);
      }
      return;
    }
    case OID.extKeyUsage: {
      const seq = expect(buf, start, end, TAG.SEQUENCE, 'extKeyUsage');
      for (const o of children(buf, seq, 'extKeyUsage purpose')) {
        if (o.tag !== TAG.OID || o.cls !== CLASS_UNIVERSAL)
          throw new DerError('extKeyUsage: purpose is not an OID', o.start);
        const p = oidText(buf, o);
        f.extKeyUsage.push(EXT_KEY_USAGES[p] ?? p);
      }
      return;
    }
    case OID.certificatePolicies: {
      const seq = expect(buf, start, end, TAG.SEQUENCE, 'certificatePolicies');
      for (const info of children(buf, seq, 'policyInformation')) {
        if (info.tag !== TAG.SEQUENCE)
          throw new DerError('certificatePolicies: entry is not a SEQUENCE', info.start);
        f.policies.push(oidText(buf, expect(buf, info.valueStart, info.end, TAG.OID, 'policyIdentifier')));
      }
      return;
    }
    case OID.authorityInfoAccess: {
      const seq = expect(buf, start, end, TAG.SEQUENCE, 'authorityInfoAccess');
      for (const ad of children(buf, seq, 'accessDescription')) {
        if (ad.tag !== TAG.SEQUENCE)
          throw new DerError('authorityInfoAccess: entry is not a SEQUENCE', ad.start);
        const m = expect(buf, ad.valueStart, ad.end, TAG.OID, 'accessMethod');
        const method = oidText(buf, m);
        const loc = readTlv(buf, m.end, ad.end, 'accessLocation');
        if (loc.cls !== CLASS_CONTEXT || loc.tag !== 6) continue; // only URIs are useful here
        if (method === OID.ocsp) f.ocspUrls.push(text(buf, loc));
        else if (method === OID.caIssuers) f.caIssuerUrls.push(text(buf, loc));
      }
      return;
    }
    case OID.crlDistributionPoints: {
      const seq = expect(buf, start, end, TAG.SEQUENCE, 'cRLDistributionPoints');
      for (const dp of children(buf, seq, 'distributionPoint')) {
        if (dp.tag !== TAG.SEQUENCE)
          throw new DerError('cRLDistributionPoints: entry is not a SEQUENCE', dp.start);
        for (const field of children(buf, dp, 'distributionPoint field')) {
          if (field.cls !== CLASS_CONTEXT || field.tag !== 0) continue; // [0] distributionPoint
          for (const dpn of children(buf, field, 'distributionPointName')) {
            if (dpn.cls !== CLASS_CONTEXT || dpn.tag !== 0) continue; // [0] fullName
            for (const gn of children(buf, dpn, 'fullName')) {
              if (gn.cls === CLASS_CONTEXT && gn.tag === 6) f.crlUrls.push(text(buf, gn));
            }
          }
        }
      }
      return;
    }
    case OID.subjectKeyIdentifier: {
      const id = expect(buf, start, end, TAG.OCTET_STRING, 'subjectKeyIdentifier');
      f.subjectKeyId = hexLower(buf, id.valueStart, id.end);
      return;
    }
    case OID.authorityKeyIdentifier: {
      const seq = expect(buf, start, end, TAG.SEQUENCE, 'authorityKeyIdentifier');
      for (const c of children(buf, seq, 'authorityKeyIdentifier field')) {
        if (c.cls === CLASS_CONTEXT && c.tag === 0) f.authorityKeyId = hexLower(buf, c.valueStart, c.end);
      }
      return;
    }
    case OID.sctList: {
      // OCTET STRING holding a TLS-encoded list: u16 total length, then u16-length-prefixed SCTs.
      const os = expect(buf, start, end, TAG.OCTET_STRING, 'SCT list');
      let p = os.valueStart + 2;
      if (p > os.end) throw new DerError('SCT list: truncated length', os.start);
      let n = 0;
      while (p + 2 <= os.end) {
        const len = (buf[p] << 8) | buf[p + 1];
        p += 2 + len;
        if (p > os.end) throw new DerError('SCT list: entry runs past the end', os.start);
        n++;
      }
      f.sctCount = n;
      return;
    }
    case OID.tlsFeature: {
      const seq = expect(buf, start, end, TAG.SEQUENCE, 'TLS feature');
      for (const c of children(buf, seq, 'TLS feature entry')) {
        if (c.tag === TAG.INTEGER && smallInt(buf, c, 'TLS feature') === 5) f.mustStaple = true;
      }
      return;
    }
    default:
      return;
  }
}

function hexLower(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let p = start; p < end; p++) s += (buf[p] < 16 ? '0' : '') + buf[p].toString(16);
  return s;
}

function addGeneralName(buf: Uint8Array, gn: Tlv, f: ExtensionFacts): void {
  if (gn.cls !== CLASS_CONTEXT) return;
  switch (gn.tag) {
    case 1:
      f.sanEmail.push(text(buf, gn));
      return;
    case 2:
      f.sanDns.push(text(buf, gn));
      return;
    case 6:
      f.sanUri.push(text(buf, gn));
      return;
    case 7: {
      const ip = ipText(buf, gn.valueStart, gn.end);
      if (ip === undefined)
        throw new DerError(`subjectAltName: iPAddress of ${gn.end - gn.valueStart} bytes`, gn.start);
      f.sanIp.push(ip);
      return;
    }
    default:
      return;
  }
}

/** IPv4 dotted or IPv6 RFC 5952 text (the same form moat's EVE uses for flow addresses). */
export function ipText(buf: Uint8Array, start: number, end: number): string | undefined {
  const words = new Uint32Array(4);
  const v = readIpBytes(buf, start, end - start, words);
  return v === 0 ? undefined : formatIp(words, v);
}
