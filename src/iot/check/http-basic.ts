/**
 * Default credentials on HTTP basic authentication: when the device's web page asks for basic
 * authentication, each pair of the list is tried; the first one answered with a non-401 success is reported.
 */
import { httpRequest } from '../http-client.js';

export interface HttpLoginResult {
  /** The page asks for basic authentication. */
  asksBasic: boolean;
  accepted?: { user: string; password: string; status: number };
  tried: number;
  incomplete: boolean;
  error?: string;
}

export async function httpBasicDefaultLogin(o: {
  host: string;
  port: number;
  credentials: ReadonlyArray<readonly [string, string]>;
  deadline: number;
  stepMs?: number;
}): Promise<HttpLoginResult> {
  const step = o.stepMs ?? 3000;
  const ms = () => Math.max(1, Math.min(step, o.deadline - Date.now()));
  let tried = 0;
  try {
    const first = await httpRequest({
      host: o.host,
      port: o.port,
      method: 'GET',
      path: '/',
      timeoutMs: ms(),
      maxBytes: 4096,
    });
    const challenge = String(first.headers['www-authenticate'] ?? '');
    if (first.status !== 401 || !/^\s*basic\b/i.test(challenge))
      return { asksBasic: false, tried, incomplete: false };
    for (const [user, password] of o.credentials) {
      if (Date.now() >= o.deadline) return { asksBasic: true, tried, incomplete: true };
      const auth = Buffer.from(`${user}:${password}`).toString('base64');
      const a = await httpRequest({
        host: o.host,
        port: o.port,
        method: 'GET',
        path: '/',
        headers: { authorization: `Basic ${auth}` },
        timeoutMs: ms(),
        maxBytes: 4096,
      });
      tried++;
      if (a.status >= 200 && a.status < 400)
        return { asksBasic: true, accepted: { user, password, status: a.status }, tried, incomplete: false };
    }
    return { asksBasic: true, tried, incomplete: false };
  } catch (e) {
    return { asksBasic: tried > 0, tried, incomplete: true, error: (e as Error).message };
  }
}
