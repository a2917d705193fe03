/** Plaintext protocols framed by length that hand the connection to TLS (LDAP StartTLS, RDP). */
export {
  FRAME_BAD,
  FRAME_NEED_MORE,
  FramedUpgradeParser,
  GO_ON,
  STOP,
  TLS_NEXT,
  type Decision,
  type FramedProtocol,
} from './framed-upgrade.js';
