/**
 * The failures an operator can fix, typed so that domains say what went wrong and cli/ alone decides how it
 * is shown: one line (or a short list) on stderr, no stack trace, exit 2. Anything else is a bug and keeps
 * its stack. Every folder may import this file; it imports nothing.
 */

/** An expected failure with a message fit for the operator. */
export class MoatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input data: a file that cannot be read, a field that does not parse, a byte that breaks the format. The message names what and where (file, byte offset, field path, line). */
export class InputError extends MoatError {}

/** A configuration that cannot work: a policy or service config with errors, a key that is missing. */
export class ConfigError extends MoatError {}

/** The machine refuses: an interface that does not exist, a BPF filter libpcap rejects, a port in use, a server that cannot be reached. */
export class OperationalError extends MoatError {}

/**
 * A server that cannot listen, as the operator should read it: what, where and why in one line. Node's errno
 * codes become words (the port is taken, a privileged port, an address this machine does not have).
 */
export function listenFailure(what: string, host: string, port: number, err: unknown): OperationalError {
  const code = (err as { code?: unknown } | null)?.code;
  const why =
    code === 'EADDRINUSE'
      ? 'the port is already in use'
      : code === 'EACCES'
        ? 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)'
        : code === 'EADDRNOTAVAIL'
          ? 'no such address on this machine'
          : err instanceof Error
            ? err.message
            : String(err);
  const at = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new OperationalError(`${what}: cannot listen on ${at}: ${why}`);
}
