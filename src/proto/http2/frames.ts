/** HTTP/2 framing constants (RFC 9113 §4, §6). */

/** §3.4: the client's connection preface. */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FRAME_HEADER_LEN = 9;

export const T_DATA = 0;
export const T_HEADERS = 1;
export const T_PRIORITY = 2;
export const T_RST_STREAM = 3;
export const T_SETTINGS = 4;
export const T_PUSH_PROMISE = 5;
export const T_PING = 6;
export const T_GOAWAY = 7;
export const T_WINDOW_UPDATE = 8;
export const T_CONTINUATION = 9;

export const F_END_STREAM = 0x1;
export const F_ACK = 0x1;
export const F_END_HEADERS = 0x4;
export const F_PADDED = 0x8;
export const F_PRIORITY = 0x20;

export const SETTINGS_HEADER_TABLE_SIZE = 1;

/** SETTINGS identifiers as Suricata's EVE names them. */
export const SETTING_NAMES: Readonly<Record<number, string>> = {
  1: 'SETTINGSHEADERTABLESIZE',
  2: 'SETTINGSENABLEPUSH',
  3: 'SETTINGSMAXCONCURRENTSTREAMS',
  4: 'SETTINGSINITIALWINDOWSIZE',
  5: 'SETTINGSMAXFRAMESIZE',
  6: 'SETTINGSMAXHEADERLISTSIZE',
};

/** §7 error codes as Suricata's EVE names them. */
export const ERROR_NAMES: readonly string[] = [
  'NOERROR',
  'PROTOCOLERROR',
  'INTERNALERROR',
  'FLOWCONTROLERROR',
  'SETTINGSTIMEOUT',
  'STREAMCLOSED',
  'FRAMESIZEERROR',
  'REFUSEDSTREAM',
  'CANCEL',
  'COMPRESSIONERROR',
  'CONNECTERROR',
  'ENHANCEYOURCALM',
  'INADEQUATESECURITY',
  'HTTP11REQUIRED',
];
