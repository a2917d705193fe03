/** The console API from the browser: JSON in and out, the CSRF token on every change. */
let csrf = '';

export function setCsrf(token: string): void {
  csrf = token;
}

export interface Problem {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(method !== 'GET' ? { 'x-csrf-token': csrf } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => ({}))) as { error?: string; problems?: Problem[] };
  if (!res.ok) throw new ApiError(res.status, data.error ?? res.statusText, data.problems ?? []);
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
