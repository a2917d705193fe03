/**
 * Distinguished names: the RDN sequence as structured attributes, and the one-line text Suricata writes in
 * `tls.subject` / `tls.issuerdn` — RDNs in certificate (encoding) order joined by ", ", the attributes of a
 * multi-valued RDN joined by " + ", each as ABBREV=value; a value that is not a string type is written as
 * upper-case hex of its content bytes, and an unknown attribute type as OID(dotted).
 */
import {
  CLASS_UNIVERSAL,
  DerError,
  TAG,
  children,
  expect,
  hexUpper,
  oidText,
  readTlv,
  type Tlv,
} from './der.js';
import { DN_ATTRIBUTE_NAMES } from './oids.js';

export interface DnAttribute {
  /** Attribute type, dotted OID. */
  oid: string;
  /** Abbreviation as Suricata prints it (CN, O, OU, C, ST, L, Email, …) or OID(dotted). */
  name: string;
  value: string;
}

/** RDNs in encoding order; each RDN holds one attribute (or several when multi-valued). */
export type Rdns = DnAttribute[][];

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Text of a directory string value; undefined when the element is not a string type. */
export function directoryString(buf: Uint8Array, t: Tlv): string | undefined {
  if (t.cls !== CLASS_UNIVERSAL || t.constructed) return undefined;
  const bytes = buf.subarray(t.valueStart, t.end);
  switch (t.tag) {
    case TAG.UTF8_STRING:
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.NUMERIC_STRING:
    case TAG.VISIBLE_STRING:
    case TAG.GENERAL_STRING:
    case TAG.GRAPHIC_STRING:
    case TAG.VIDEOTEX_STRING:
      return utf8.decode(bytes);
    case TAG.T61_STRING:
      // Teletex is in practice Latin-1 text; take UTF-8 when the bytes happen to be valid UTF-8.
      try {
        return utf8Strict.decode(bytes);
      } catch {
        return latin1.decode(bytes);
      }
    case TAG.BMP_STRING: {
      let s = '';
      for (let p = 0; p + 1 < bytes.length; p += 2) s += String.fromCharCode((bytes[p] << 8) | bytes[p + 1]);
      return s;
    }
    case TAG.UNIVERSAL_STRING: {
      let s = '';
      for (let p = 0; p + 3 < bytes.length; p += 4) {
        const cp = ((bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3]) >>> 0;
        s += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      }
      return s;
    }
    default:
      return undefined;
  }
}

/** Parses a Name (SEQUENCE OF SET OF AttributeTypeAndValue). */
export function parseName(buf: Uint8Array, name: Tlv, what: string): Rdns {
  if (name.cls !== CLASS_UNIVERSAL || name.tag !== TAG.SEQUENCE) {
    throw new DerError(`${what}: expected a SEQUENCE of RDNs, found tag ${name.tag}`, name.start);
  }
  const rdns: Rdns = [];
  for (const set of children(buf, name, `${what} RDN`)) {
    if (set.cls !== CLASS_UNIVERSAL || set.tag !== TAG.SET) {
      throw new DerError(`${what}: RDN is not a SET (tag ${set.tag})`, set.start);
    }
    const rdn: DnAttribute[] = [];
    for (const atv of children(buf, set, `${what} attribute`)) {
      if (atv.cls !== CLASS_UNIVERSAL || atv.tag !== TAG.SEQUENCE) {
        throw new DerError(`${what}: attribute is not a SEQUENCE (tag ${atv.tag})`, atv.start);
      }
      const typeTlv = expect(buf, atv.valueStart, atv.end, TAG.OID, `${what} attribute type`);
      const oid = oidText(buf, typeTlv);
      const valueTlv = readTlv(buf, typeTlv.end, atv.end, `${what} attribute value`);
      const value = directoryString(buf, valueTlv) ?? hexUpper(buf, valueTlv.valueStart, valueTlv.end, '');
      rdn.push({ oid, name: DN_ATTRIBUTE_NAMES[oid] ?? `OID(${oid})`, value });
    }
    rdns.push(rdn);
  }
  return rdns;
}

/** Suricata's one-line DN text. */
export function formatDn(rdns: Rdns): string {
  let s = '';
  for (let i = 0; i < rdns.length; i++) {
    if (i > 0) s += ', ';
    const rdn = rdns[i];
    for (let j = 0; j < rdn.length; j++) {
      if (j > 0) s += ' + ';
      s += `${rdn[j].name}=${rdn[j].value}`;
    }
  }
  return s;
}

/** The last common name in the sequence (the most specific one in the usual C→CN order). */
export function commonName(rdns: Rdns): string | undefined {
  let cn: string | undefined;
  for (const rdn of rdns) for (const a of rdn) if (a.oid === '2.5.4.3') cn = a.value;
  return cn;
}
