/**
 * Per-device MQTT credentials: a random password handed out once, kept only as a salted scrypt hash, so a
 * copy of the store does not let anyone log in as a device.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LEN = 32;

function derive(password: Buffer | string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LEN, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function newPassword(): Promise<{ password: string; salt: string; hash: string }> {
  const password = randomBytes(18).toString('base64url');
  const salt = randomBytes(16);
  const hash = await derive(password, salt);
  return { password, salt: salt.toString('base64'), hash: hash.toString('base64') };
}

export async function passwordMatches(
  password: Buffer | string,
  stored: { salt: string; hash: string },
): Promise<boolean> {
  const want = Buffer.from(stored.hash, 'base64');
  const got = await derive(password, Buffer.from(stored.salt, 'base64'));
  return want.length === got.length && timingSafeEqual(want, got);
}
