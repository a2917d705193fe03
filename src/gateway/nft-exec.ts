/**
 * Running `nft` (in a network namespace when asked) and checking addresses before they go into a rule — shared by
 * the blocking driver and the security component's enforcement, so both build rules only from parsed addresses.
 */
import { execFile } from 'node:child_process';
import { formatIp, ipProblem, tryParseIp } from '../address/index.js';
import { OperationalError } from '../framework/errors.js';

/** nft refused or could not run: the machine's answer, shown to the operator as it is. */
export class NftError extends OperationalError {}

type ErrorClass = new (message: string) => Error;

export function runNft(
  args: string[],
  stdin: string | undefined,
  netns?: string,
  Err: ErrorClass = NftError,
): Promise<string> {
  const cmd = netns ? 'ip' : 'nft';
  const argv = netns ? ['netns', 'exec', netns, 'nft', ...args] : args;
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, argv, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Err(`nft ${args.join(' ')} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** The address in canonical text and its family, or `Err` naming what was given. */
export function checkedIp(text: string, Err: ErrorClass = NftError): { text: string; v: 4 | 6 } {
  const ip = tryParseIp(text);
  if (!ip) throw new Err(`not an IP address: '${text}' (${ipProblem(text)})`);
  return { text: formatIp(ip.words, ip.version), v: ip.version };
}
