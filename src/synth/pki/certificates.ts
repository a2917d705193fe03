/**
 * The synthetic PKI: a root and an issuing CA, and the server certificates the TLS scenario presents —
 * one per case a certificate judge must tell apart (valid chain, expired, self-signed, wildcard, many
 * SANs, weak RSA-1024 key, a certificate whose names do not match the SNI). Dates hang off the capture's
 * fixed base time and every key and serial comes from the seed, so the DER is the same on every run.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { webcrypto } from 'node:crypto';
import type { Prng } from '../prng.js';
import { ocspGoodResponse } from './ocsp.js';
import { seededEcKey, seededRsaKey, type SynthKeyPair } from './keys.js';

const DAY_MS = 86_400_000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const DV_POLICY = '2.23.140.1.2.1';

export type CertCase =
  'valid' | 'expired' | 'self-signed' | 'wildcard' | 'many-sans' | 'weak-key' | 'sni-mismatch';

export const CERT_CASES: readonly CertCase[] = [
  'valid',
  'expired',
  'self-signed',
  'wildcard',
  'many-sans',
  'weak-key',
  'sni-mismatch',
];

export interface ServerCredential {
  case: CertCase;
  /** DER certificates as the server sends them, leaf first. */
  chain: Buffer[];
  /** The SNI a client uses to reach this server. */
  sni: string;
  subjectCn: string;
  dnsNames: string[];
  keyKind: 'rsa' | 'ec';
  keyBits: number;
  notBefore: Date;
  notAfter: Date;
}

export interface SynthPki {
  rootDer: Buffer;
  issuingDer: Buffer;
  servers: Record<CertCase, ServerCredential>;
  /** A "good" OCSP response for the valid leaf, which its server staples when asked. */
  validOcsp: Buffer;
}

type SigningAlgorithm = webcrypto.RsaHashedImportParams | webcrypto.EcdsaParams;

function serial(rng: Prng): string {
  const b = rng.bytes(16);
  b[0] = (b[0] & 0x7f) | 0x10; // positive, full length
  return b.toString('hex');
}

function sigAlg(key: SynthKeyPair): SigningAlgorithm {
  return key.kind === 'rsa'
    ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
    : { name: 'ECDSA', hash: 'SHA-256' };
}

interface LeafSpec {
  case: CertCase;
  cn: string;
  org?: string;
  names: string[];
  sni: string;
  notBefore: number;
  notAfter: number;
  key: SynthKeyPair;
}

export async function issuePki(rng: Prng, baseMs: number): Promise<SynthPki> {
  const rootKey = await seededRsaKey(rng, 2048);
  const issuingKey = await seededRsaKey(rng, 2048);
  const rootName = 'CN=Moat Synth Root CA R1, O=Moat Synth Trust Services, C=US';
  const issuingName = 'CN=Moat Synth TLS Issuing CA 2, O=Moat Synth Trust Services, C=US';

  const root = await x509.X509CertificateGenerator.create({
    serialNumber: serial(rng),
    subject: rootName,
    issuer: rootName,
    notBefore: new Date(baseMs - 3 * 365 * DAY_MS),
    notAfter: new Date(baseMs + 17 * 365 * DAY_MS),
    signingAlgorithm: sigAlg(rootKey),
    publicKey: rootKey.publicKey,
    signingKey: rootKey.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKey.publicKey),
    ],
  });
  const issuing = await x509.X509CertificateGenerator.create({
    serialNumber: serial(rng),
    subject: issuingName,
    issuer: rootName,
    notBefore: new Date(baseMs - 2 * 365 * DAY_MS),
    notAfter: new Date(baseMs + 6 * 365 * DAY_MS),
    signingAlgorithm: sigAlg(rootKey),
    publicKey: issuingKey.publicKey,
    signingKey: rootKey.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([SERVER_AUTH, CLIENT_AUTH]),
      await x509.SubjectKeyIdentifierExtension.create(issuingKey.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKey.publicKey),
      new x509.CRLDistributionPointsExtension(['http://crl.pki.example.net/root-r1.crl']),
      new x509.CertificatePolicyExtension([DV_POLICY]),
    ],
  });
  const issuingDer = Buffer.from(issuing.rawData);

  async function leaf(spec: LeafSpec): Promise<ServerCredential> {
    const subject = `CN=${spec.cn}${spec.org ? `, O=${spec.org}` : ''}`;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(rng),
      subject,
      issuer: issuingName,
      notBefore: new Date(spec.notBefore),
      notAfter: new Date(spec.notAfter),
      signingAlgorithm: sigAlg(issuingKey),
      publicKey: spec.key.publicKey,
      signingKey: issuingKey.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          spec.key.kind === 'rsa'
            ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
            : x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([SERVER_AUTH, CLIENT_AUTH]),
        await x509.SubjectKeyIdentifierExtension.create(spec.key.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(issuingKey.publicKey),
        new x509.AuthorityInfoAccessExtension({
          ocsp: 'http://ocsp.pki.example.net',
          caIssuers: 'http://pki.example.net/issuing-ca-2.crt',
        }),
        new x509.CertificatePolicyExtension([DV_POLICY]),
        new x509.SubjectAlternativeNameExtension(
          spec.names.map((value) => ({ type: 'dns' as const, value })),
        ),
      ],
    });
    return credential(spec, [Buffer.from(cert.rawData), issuingDer]);
  }

  function credential(spec: LeafSpec, chain: Buffer[]): ServerCredential {
    return {
      case: spec.case,
      chain,
      sni: spec.sni,
      subjectCn: spec.cn,
      dnsNames: spec.names,
      keyKind: spec.key.kind,
      keyBits: spec.key.bits,
      notBefore: new Date(spec.notBefore),
      notAfter: new Date(spec.notAfter),
    };
  }

  const current = { notBefore: baseMs - 41 * DAY_MS, notAfter: baseMs + 49 * DAY_MS };
  const valid = await leaf({
    case: 'valid',
    cn: 'www.example.com',
    names: ['www.example.com', 'example.com'],
    sni: 'www.example.com',
    ...current,
    key: await seededEcKey(rng),
  });
  const expired = await leaf({
    case: 'expired',
    cn: 'legacy.example.org',
    org: 'Example Legacy Services',
    names: ['legacy.example.org'],
    sni: 'legacy.example.org',
    notBefore: baseMs - 430 * DAY_MS,
    notAfter: baseMs - 65 * DAY_MS,
    key: await seededEcKey(rng),
  });
  const wildcard = await leaf({
    case: 'wildcard',
    cn: '*.cdn.example.net',
    names: ['*.cdn.example.net', 'cdn.example.net'],
    sni: 'img.cdn.example.net',
    ...current,
    key: await seededEcKey(rng),
  });
  const tenants = [
    'shop',
    'blog',
    'mail',
    'docs',
    'status',
    'api',
    'static',
    'media',
    'forum',
    'wiki',
    'git',
    'vpn',
  ];
  const zones = ['example.com', 'example.net', 'example.org', 'example'];
  const manyNames = zones.flatMap((z) => tenants.map((t) => `${t}.${z}`));
  const manySans = await leaf({
    case: 'many-sans',
    cn: manyNames[0],
    names: manyNames, // 48 names: a shared-hosting certificate
    sni: 'forum.example.org',
    ...current,
    key: await seededEcKey(rng),
  });
  const weakKey = await leaf({
    case: 'weak-key',
    cn: 'camera.example.org',
    org: 'Example Devices',
    names: ['camera.example.org'],
    sni: 'camera.example.org',
    ...current,
    key: await seededRsaKey(rng, 1024),
  });
  const mismatch = await leaf({
    case: 'sni-mismatch',
    cn: 'portal.example.net',
    names: ['portal.example.net'],
    sni: 'pay.example.com',
    ...current,
    key: await seededEcKey(rng),
  });

  // A device's factory certificate: subject = issuer, signed with its own (RSA, so deterministic) key.
  const selfKey = await seededRsaKey(rng, 2048);
  const selfSpec: LeafSpec = {
    case: 'self-signed',
    cn: 'router.example.net',
    org: 'Example Router Admin',
    names: ['router.example.net'],
    sni: 'router.example.net',
    notBefore: baseMs - 700 * DAY_MS,
    notAfter: baseMs + 3000 * DAY_MS,
    key: selfKey,
  };
  const selfName = 'CN=router.example.net, O=Example Router Admin';
  const selfCert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(rng),
    subject: selfName,
    issuer: selfName,
    notBefore: new Date(selfSpec.notBefore),
    notAfter: new Date(selfSpec.notAfter),
    signingAlgorithm: sigAlg(selfKey),
    publicKey: selfKey.publicKey,
    signingKey: selfKey.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, false),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'router.example.net' }]),
    ],
  });
  const selfSigned = credential(selfSpec, [Buffer.from(selfCert.rawData)]);

  const validOcsp = await ocspGoodResponse(
    valid.chain[0],
    issuingDer,
    issuingKey.privateKey,
    new Date(baseMs - 7_200_000),
  );

  return {
    validOcsp,
    rootDer: Buffer.from(root.rawData),
    issuingDer,
    servers: {
      valid,
      expired,
      'self-signed': selfSigned,
      wildcard,
      'many-sans': manySans,
      'weak-key': weakKey,
      'sni-mismatch': mismatch,
    },
  };
}
