/** What an HTTP/2 stream adds to its `HttpTransaction`: Suricata's `http.http2` facts and the raw header list. */
import type { HeaderEntry } from './hpack.js';

/** One SETTINGS parameter as sent. */
export interface Http2Setting {
  id: number;
  value: number;
}

/** Per direction of a stream: the frames' facts Suricata logs under `http2.request` / `http2.response`. */
export interface Http2Side {
  /** Every representation of the stream's header blocks (HEADERS, CONTINUATION, PUSH_PROMISE) in order. */
  headers: HeaderEntry[];
  settings?: Http2Setting[];
  /** GOAWAY's or RST_STREAM's error code (the first one), and whether several were sent. */
  errorCode?: number;
  /** Weight of the first PRIORITY (frame or HEADERS flag). */
  priority?: number;
  hasMultiple?: 'error_code' | 'priority';
  /** Whether a HEADERS / PUSH_PROMISE / CONTINUATION frame was seen in this direction. */
  sawHeaders: boolean;
}

export interface Http2Details {
  streamId: number;
  request: Http2Side;
  response: Http2Side;
}
