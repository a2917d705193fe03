/**
 * A self-signed certificate for `identify serve` when the operator gives none: valid for the listen host,
 * localhost and 127.0.0.1/::1. A certificate from the configuration (`--tls-cert/--tls-key`) replaces it in
 * production.
 */
import { isIP } from 'node:net';
import { selfSignedCertificate, type SelfSignedCertificate } from '../framework/index.js';

export type ServerCertificate = SelfSignedCertificate;

export function selfSignedServerCert(host: string, days = 365): ServerCertificate {
  const names = new Set(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  if (host && host !== '0.0.0.0' && host !== '::') names.add(isIP(host) ? `IP:${host}` : `DNS:${host}`);
  return selfSignedCertificate({ commonName: 'moat identify service', altNames: [...names], days });
}
