/**
 * What the dimensions consult besides the handshake: history, blacklists, trust store, revocation data, domain
 * facts and geolocation. Each is an interface so the monitor runs with whatever an operator configured; a
 * service that is absent makes its dimensions *unavailable* (counted as the policy says), never 0.
 */
import type { CertificateInfo } from '../proto/index.js';
import type { HandshakeFeatures } from './features.js';

/** Heat counts over sliding windows (T-23, T-25, T-31…T-34). */
export interface HeatHistory {
  /** Occurrences of `key` of `kind` in (nowS − windowS, nowS], this connection excluded. */
  count(kind: HeatKind, key: string, windowS: number, nowS: number): number;
  /** Records one occurrence of each key at `nowS`. */
  record(keys: ReadonlyArray<readonly [HeatKind, string]>, nowS: number): void;
}
export type HeatKind = 'cert' | 'pair' | 'service' | 'dst' | 'src' | 'geo';

/** What a chain check found: legal, or the kind of failure (policies weigh or veto each kind differently). */
export type ChainKind =
  | 'legal'
  | 'selfSigned'
  | 'untrustedRoot'
  | 'unknownIssuer'
  | 'distrustedRoot'
  | 'badSignature'
  | 'nameMismatch'
  | 'unusable';

export interface ChainVerdict {
  legal: boolean;
  kind: ChainKind;
  /** 'ok' or what failed: "unknown issuer: CN=…", "signature of certificate 1 does not verify", "name mismatch" … */
  reason: string;
}
export interface ChainVerifier {
  verify(
    chain: readonly CertificateInfo[],
    sni: string | undefined,
    checkName: boolean,
    /** The handshake's time: roots are trusted as of then. */
    nowMs: number,
    /** Platform root stores (e.g. 'microsoft') this policy trusts besides Mozilla's and the operator's. */
    platforms?: readonly string[],
  ): ChainVerdict;
}

export type RevocationStatus = 'good' | 'revoked' | 'unknown';
export interface RevocationChecker {
  status(
    chain: readonly CertificateInfo[],
    ocspResponse: Buffer | undefined,
    nowMs: number,
  ): {
    status: RevocationStatus;
    source: string;
  };
}

export interface CertificateBlacklist {
  /** `sha1` as lower-case hex without separators; returns the list's name when listed. */
  lookup(sha1: string): string | undefined;
}
export interface FingerprintBlacklist {
  /** JA3 MD5 (lower-case hex); returns the list's name when listed. */
  lookup(ja3: string): string | undefined;
}
export interface AddressList {
  /** Returns the list's name (and how many feeds list it) when the address is listed. */
  /** `f`: the handshake being scored, for lists that judge an address by its traffic (the identification model). */
  lookup(ip: string, f?: HandshakeFeatures): { list: string; count: number } | undefined;
}
export interface DomainFacts {
  /** Reputation in [0,1] (1 = good) from the operator's store or the identification service. */
  reputation(domain: string): number | undefined;
  /** Registration date of the registered domain, ms since the epoch. */
  registered(domain: string): number | undefined;
}
export interface GeoLookup {
  /** ISO 3166-1 alpha-2 country of an address. */
  country(ip: string): string | undefined;
}

export interface TlsmonServices {
  history?: HeatHistory;
  chain?: ChainVerifier;
  revocation?: RevocationChecker;
  certBlacklist?: CertificateBlacklist;
  fingerprintBlacklist?: FingerprintBlacklist;
  addressBlacklist?: AddressList;
  addressReputation?: AddressList;
  domains?: DomainFacts;
  geo?: GeoLookup;
}
