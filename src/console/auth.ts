/**
 * Accounts and sessions: scrypt password hashes, session tokens kept only as their SHA-256, one CSRF token per
 * session, and a lockout after repeated failures per account (and a per-address login rate limit in server.ts).
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/index.js';

export type Role = 'admin' | 'read-only';

export interface Session {
  user: string;
  role: Role;
  csrf: string;
}

export const LOCKOUT_FAILURES = 5;
export const LOCKOUT_MS = 15 * 60_000;
const SESSION_MS = 8 * 3600_000;
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 << 20 };

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export function checkPassword(password: string, stored: string): boolean {
  const [kind, n, r, p, salt, key] = stored.split('$');
  if (kind !== 'scrypt') return false;
  const want = Buffer.from(key, 'base64');
  const got = scryptSync(password, Buffer.from(salt, 'base64'), want.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 << 20,
  });
  return timingSafeEqual(want, got);
}

const tokenHash = (t: string): string => createHash('sha256').update(t).digest('hex');

export type LoginResult =
  | { ok: true; token: string; session: Session }
  | { ok: false; reason: 'bad-credentials' | 'locked'; retryAfterS?: number };

export class Accounts {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM console_users').get() as { n: number }).n;
  }

  create(name: string, password: string, role: Role): void {
    this.db
      .prepare('INSERT INTO console_users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)')
      .run(name, role, hashPassword(password), new Date(this.now()).toISOString());
  }

  list(): Array<{ name: string; role: Role; createdAt: string; locked: boolean }> {
    const now = this.now();
    return (
      this.db
        .prepare('SELECT name, role, created_at, locked_until FROM console_users ORDER BY name')
        .all() as Array<{
        name: string;
        role: Role;
        created_at: string;
        locked_until: number;
      }>
    ).map((u) => ({ name: u.name, role: u.role, createdAt: u.created_at, locked: u.locked_until > now }));
  }

  login(name: string, password: string): LoginResult {
    const u = this.db.prepare('SELECT * FROM console_users WHERE name = ?').get(name) as
      { name: string; role: Role; password_hash: string; failures: number; locked_until: number } | undefined;
    const now = this.now();
    if (u && u.locked_until > now)
      return { ok: false, reason: 'locked', retryAfterS: Math.ceil((u.locked_until - now) / 1000) };
    // An unknown name costs the same scrypt as a known one, so timing does not tell which names exist.
    const ok = checkPassword(password, u?.password_hash ?? dummyHash()) && u !== undefined;
    if (!ok || !u) {
      if (u) {
        const failures = u.failures + 1;
        const lock = failures >= LOCKOUT_FAILURES ? now + LOCKOUT_MS : 0;
        this.db
          .prepare('UPDATE console_users SET failures = ?, locked_until = ? WHERE name = ?')
          .run(lock ? 0 : failures, lock, u.name);
        if (lock) return { ok: false, reason: 'locked', retryAfterS: LOCKOUT_MS / 1000 };
      }
      return { ok: false, reason: 'bad-credentials' };
    }
    this.db.prepare('UPDATE console_users SET failures = 0, locked_until = 0 WHERE name = ?').run(u.name);
    const token = randomBytes(32).toString('base64url');
    const session: Session = { user: u.name, role: u.role, csrf: randomBytes(24).toString('base64url') };
    this.db
      .prepare(
        'INSERT INTO console_sessions (token_hash, user, role, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(tokenHash(token), u.name, u.role, session.csrf, now, now + SESSION_MS);
    return { ok: true, token, session };
  }

  session(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const r = this.db
      .prepare('SELECT user, role, csrf, expires_at FROM console_sessions WHERE token_hash = ?')
      .get(tokenHash(token)) as { user: string; role: Role; csrf: string; expires_at: number } | undefined;
    if (!r || r.expires_at <= this.now()) return undefined;
    return { user: r.user, role: r.role, csrf: r.csrf };
  }

  logout(token: string): void {
    this.db.prepare('DELETE FROM console_sessions WHERE token_hash = ?').run(tokenHash(token));
  }
}

let dummy: string | undefined;
const dummyHash = (): string => (dummy ??= hashPassword(randomBytes(12).toString('hex')));
