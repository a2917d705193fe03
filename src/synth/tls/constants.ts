/** TLS registry values the generator uses (IANA TLS parameters; RFC 5246, RFC 8446). */

export const CONTENT_CHANGE_CIPHER_SPEC = 20;
export const CONTENT_ALERT = 21;
export const CONTENT_HANDSHAKE = 22;
export const CONTENT_APPLICATION_DATA = 23;

export const HS_CLIENT_HELLO = 1;
export const HS_SERVER_HELLO = 2;
export const HS_NEW_SESSION_TICKET = 4;
export const HS_CERTIFICATE = 11;
export const HS_SERVER_KEY_EXCHANGE = 12;
export const HS_SERVER_HELLO_DONE = 14;
export const HS_CLIENT_KEY_EXCHANGE = 16;
export const HS_CERTIFICATE_STATUS = 22;

export const TLS10 = 0x0301;
export const TLS12 = 0x0303;
export const TLS13 = 0x0304;

export const EXT_SERVER_NAME = 0;
export const EXT_STATUS_REQUEST = 5;
export const EXT_SUPPORTED_GROUPS = 10;
export const EXT_EC_POINT_FORMATS = 11;
export const EXT_SIGNATURE_ALGORITHMS = 13;
export const EXT_ALPN = 16;
export const EXT_SCT = 18;
export const EXT_PADDING = 21;
export const EXT_ENCRYPT_THEN_MAC = 22;
export const EXT_EXTENDED_MASTER_SECRET = 23;
export const EXT_COMPRESS_CERTIFICATE = 27;
export const EXT_RECORD_SIZE_LIMIT = 28;
export const EXT_SESSION_TICKET = 35;
export const EXT_PRE_SHARED_KEY = 41;
export const EXT_SUPPORTED_VERSIONS = 43;
export const EXT_PSK_KEY_EXCHANGE_MODES = 45;
export const EXT_POST_HANDSHAKE_AUTH = 49;
export const EXT_KEY_SHARE = 51;
export const EXT_ALPS = 17513;
export const EXT_RENEGOTIATION_INFO = 0xff01;

export const GROUP_SECP256R1 = 0x0017;
export const GROUP_SECP384R1 = 0x0018;
export const GROUP_SECP521R1 = 0x0019;
export const GROUP_X25519 = 0x001d;
export const GROUP_X448 = 0x001e;
export const GROUP_FFDHE2048 = 0x0100;

/** RFC 8701 GREASE values: 0x0a0a, 0x1a1a, … 0xfafa. */
export const GREASE = Array.from({ length: 16 }, (_, i) => (i << 12) | 0x0a00 | (i << 4) | 0x0a);

export const CIPHER_TLS_AES_128_GCM_SHA256 = 0x1301;
export const CIPHER_TLS_AES_256_GCM_SHA384 = 0x1302;
export const CIPHER_TLS_CHACHA20_POLY1305_SHA256 = 0x1303;
export const CIPHER_ECDHE_RSA_AES128_GCM_SHA256 = 0xc02f;
export const CIPHER_ECDHE_RSA_AES256_GCM_SHA384 = 0xc030;
export const CIPHER_ECDHE_ECDSA_AES128_GCM_SHA256 = 0xc02b;
export const CIPHER_ECDHE_ECDSA_AES256_GCM_SHA384 = 0xc02c;
export const CIPHER_RSA_AES128_GCM_SHA256 = 0x009c;

/** SHA-256 of "HelloRetryRequest": the ServerHello.random that marks an HRR (RFC 8446 §4.1.3). */
export const HRR_RANDOM = Buffer.from(
  'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c',
  'hex',
);
