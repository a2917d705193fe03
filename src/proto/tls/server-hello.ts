/** ServerHello, including HelloRetryRequest and the real negotiated version from supported_versions. */
import type { ServerHello } from './types.js';
import {
  EXT_ALPN,
  EXT_KEY_SHARE,
  EXT_PRE_SHARED_KEY,
  EXT_SUPPORTED_VERSIONS,
  HRR_RANDOM,
} from './constants.js';
import type { Wire } from './wire.js';

export interface ServerHelloExtra {
  sessionId: Buffer;
  pskAccepted: boolean;
}

export function parseServerHello(w: Wire): ServerHello & ServerHelloExtra {
  const legacyVersion = w.u16('server version');
  w.need(32, 'server random');
  const isHrr = w.buf.compare(HRR_RANDOM, 0, 32, w.pos, w.pos + 32) === 0;
  const random = Buffer.from(w.buf.subarray(w.pos, w.pos + 32));
  w.pos += 32;
  // TLS 1.3 drafts before 22 (0x7fNN, Facebook's 0xfbNN) had neither session id nor compression method.
  const draft = legacyVersion >> 8 === 0x7f || legacyVersion >> 8 === 0xfb ? legacyVersion & 0xff : 0;
  // A server_version of 0x0304 itself is older still (drafts before 16, which Suricata names "draft-<16"): the
  // final protocol never puts 0x0304 there.
  const preDraft16 = legacyVersion === 0x0304;
  const oldDraft = (draft > 0 && draft < 22) || preDraft16;
  const sidLen = oldDraft ? 0 : w.u8('session id length');
  w.need(sidLen, 'session id');
  const sessionId = Buffer.from(w.buf.subarray(w.pos, w.pos + sidLen));
  w.pos += sidLen;
  const cipher = w.u16('cipher suite');
  if (!oldDraft) w.u8('compression method');
  const sh: ServerHello & ServerHelloExtra = {
    legacyVersion,
    version: legacyVersion,
    cipher,
    random,
    extensions: [],
    sessionIdEchoed: false,
    isHelloRetryRequest: isHrr,
    sessionId,
    pskAccepted: false,
  };
  if (preDraft16) sh.draftBefore16 = true;
  if (w.left < 2) return sh;
  const all = w.sub(w.u16('extensions length'), 'extensions');
  while (all.left >= 4) {
    const type = all.u16('extension type');
    const e = all.sub(all.u16('extension length'), 'extension', type);
    sh.extensions.push(type);
    if (type === EXT_SUPPORTED_VERSIONS && e.left >= 2) sh.version = e.u16('selected version');
    else if (type === EXT_ALPN && e.left >= 3) {
      const list = e.sub(e.u16('alpn list'), 'alpn');
      const n = list.u8('alpn length');
      list.need(n, 'alpn');
      sh.alpn = list.buf.toString('latin1', list.pos, list.pos + n);
    } else if (type === EXT_KEY_SHARE && e.left >= 2) sh.selectedGroup = e.u16('key share group');
    else if (type === EXT_PRE_SHARED_KEY) sh.pskAccepted = true;
  }
  return sh;
}
