/** A fresh Ed25519 key pair as PEM text (PKCS#8 private, SPKI public), as appliances and vendors keep them. */
import { generateKeyPairSync } from 'node:crypto';

export function ed25519Pem(): { priv: string; pub: string } {
  const k = generateKeyPairSync('ed25519');
  return {
    priv: k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    pub: k.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}
