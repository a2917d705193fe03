/** A throw-away self-signed certificate for the device end of the relay. */
import { selfSignedCertificate, type SelfSignedCertificate } from '../../framework/index.js';

export type DeviceEndCert = SelfSignedCertificate;

export function selfSignedCert(cn = 'moat-relay-device-end'): DeviceEndCert {
  return selfSignedCertificate({ commonName: cn, days: 30 });
}
