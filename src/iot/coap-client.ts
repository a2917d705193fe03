/**
 * CoAP towards a device: one request with a hard deadline. The library retransmits a confirmable request for
 * up to ~90 s (RFC 7252 defaults); the deadline closes its socket instead, so a silent device costs `timeoutMs`.
 */
import { Agent, request } from 'coap';

export interface CoapAnswer {
  /** '2.05', '4.04' … */
  code: string;
  payload: Buffer;
}

export function coapRequest(o: {
  host: string;
  port: number;
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  payload?: string;
  timeoutMs: number;
}): Promise<CoapAnswer> {
  const agent = new Agent({ type: o.host.includes(':') ? 'udp6' : 'udp4' });
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: Error | undefined, a?: CoapAnswer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        try {
          agent.close();
        } catch {
          // already closed: it closes itself once nothing is outstanding
        }
        reject(err);
      } else resolve(a!);
    };
    const timer = setTimeout(
      () => finish(new Error(`no CoAP answer from ${o.host}:${o.port} within ${o.timeoutMs} ms`)),
      o.timeoutMs,
    );
    const req = request({ hostname: o.host, port: o.port, method: o.method, pathname: o.path, agent });
    req.on('response', (res: { code: string; payload: Buffer }) =>
      finish(undefined, { code: res.code, payload: Buffer.from(res.payload ?? Buffer.alloc(0)) }),
    );
    req.on('error', (e: Error) => finish(e));
    req.end(o.payload === undefined ? undefined : Buffer.from(o.payload));
  });
}

export const coapOk = (code: string): boolean => code.startsWith('2.');
