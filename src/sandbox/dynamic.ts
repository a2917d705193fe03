/**
 * Dynamic analysis in a throw-away environment. Only Linux x86-64 ELF files and shell scripts
 * run, and only here: a fresh network namespace whose sole way "out" is a dummy interface (packets
 * are captured and dropped) plus a DNS/HTTP sink on the sink address; inside it new mount and PID
 * namespaces, tmpfs over /tmp and /dev/shm, and for the sample itself a new user namespace: it sees
 * itself as uid 0 but is the unprivileged host uid 65534 (no capabilities, no new privileges, so host
 * files stay out of reach), with address-space / file-size / process limits and a hard kill timer,
 * all under `strace -f`.
 * Everything started is ended by PID and the namespace is deleted, whatever happens.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  statSync,
  openSync,
  readSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTrace, type TraceFacts } from './trace.js';

export interface DynamicOptions {
  timeoutSeconds?: number;
  memoryBytes?: number;
  /** Where pcap/trace/sink logs are kept after the run (they are evidence); default: deleted. */
  keepDir?: string;
}

export interface SinkEntry {
  kind: 'dns' | 'http';
  name?: string;
  url?: string;
  host?: string;
  method?: string;
}

export interface DynamicReport {
  ran: boolean;
  reason?: string;
  runner: 'elf' | 'shell';
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  trace: TraceFacts;
  sink: SinkEntry[];
  pcap?: string;
  pcapPackets?: number;
  /** Flows of the capture as moat's engine sees them (A-81 network level). */
  flows?: Array<{ dest: string; proto: string; packets: number; app?: string }>;
  namespace: string;
  /** What the sample's identity looks like from inside: `id` and its uid/gid maps (A-81 evidence). */
  identity?: { id: string; uidMap: string; gidMap: string };
  /** The sample's stdout and stderr (first 64 KiB). */
  output: string;
}

const SINK_IP = '10.66.0.2';
const MAX_TRACE = 16 << 20;
const MAX_OUTPUT = 64 << 10;
/** The host uid/gid samples run as; root inside their user namespace maps to it. */
export const SANDBOX_UID = 65534;

export class SandboxUnavailable extends Error {}

function sh(args: string[]): void {
  execFileSync(args[0], args.slice(1), { stdio: 'ignore', timeout: 10_000 });
}

/** Whether this host can build the environment (root, ip, unshare, strace, setpriv, tcpdump). */
export function sandboxAvailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  for (const tool of ['ip', 'unshare', 'strace', 'setpriv', 'prlimit', 'timeout', 'tcpdump']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `missing tool: ${tool}`;
    }
  }
  return userNamespaceProblem();
}

let userNsProblem: string | null | undefined;

/** Whether an unprivileged process may create a user namespace here (checked once). */
function userNamespaceProblem(): string | null {
  if (userNsProblem !== undefined) return userNsProblem;
  try {
    const out = execFileSync(
      'setpriv',
      [...DROP_TO_NOBODY, 'unshare', '--user', '--map-root-user', '--', 'cat', '/proc/self/uid_map'],
      { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    userNsProblem = new RegExp(`^\\s*0\\s+${SANDBOX_UID}\\s+1\\s*$`).test(out)
      ? null
      : `unexpected user namespace map: ${out.trim()}`;
  } catch (e) {
    userNsProblem = `user namespaces unavailable: ${String((e as { stderr?: string }).stderr ?? e).trim()}`;
  }
  return userNsProblem;
}

function readCapped(path: string, cap: number): string {
  if (!existsSync(path)) return '';
  const size = Math.min(statSync(path).size, cap);
  const buf = Buffer.alloc(size);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, size, 0);
  } finally {
    closeSync(fd);
  }
  return buf.toString('latin1');
}

function waitFor(child: ChildProcess, stream: 'stdout' | 'stderr', text: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const t = setTimeout(
      () => reject(new SandboxUnavailable(`timed out waiting for '${text}' (${seen.slice(-200)})`)),
      ms,
    );
    child[stream]?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', () => {
      clearTimeout(t);
      reject(new SandboxUnavailable(`helper exited before '${text}': ${seen.slice(-200)}`));
    });
  });
}

function killGroup(child: ChildProcess | undefined): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Host side: drop to the unprivileged uid, no capabilities, no new privileges. */
const DROP_TO_NOBODY = [
  `--reuid=${SANDBOX_UID}`,
  `--regid=${SANDBOX_UID}`,
  '--clear-groups',
  '--no-new-privs',
  '--inh-caps=-all',
  '--bounding-set=-all',
  '--',
];

/*
 * The sample's chain: drop to uid 65534 on the host, enter a new user namespace mapping root to it,
 * drop the capabilities that namespace grants (the sample stays uid 0 in its own eyes, nothing more),
 * then limits and the kill timer. The identity probe runs the same chain before the sample.
 */
const INNER = `
set -e
mount -t tmpfs -o size=64m,mode=1777 tmpfs /tmp
mount -t tmpfs -o size=16m,mode=1777 tmpfs /dev/shm 2>/dev/null || true
mount -t tmpfs -o size=16m,mode=1777 tmpfs /var/tmp 2>/dev/null || true
mount --bind "$SB_WORK/resolv.conf" /etc/resolv.conf
mkdir -p /tmp/sb
cp "$SB_WORK/sample" /tmp/sb/sample
chmod 755 /tmp/sb/sample
chown -R ${SANDBOX_UID}:${SANDBOX_UID} /tmp/sb
cd /tmp/sb
set +e
CHAIN="setpriv ${DROP_TO_NOBODY.join(' ')} unshare --user --map-root-user -- setpriv --no-new-privs --inh-caps=-all --bounding-set=-all --"
$CHAIN sh -c 'echo "id=$(id)"; echo "uid_map=$(cat /proc/self/uid_map)"; echo "gid_map=$(cat /proc/self/gid_map)"' > "$SB_WORK/identity.txt" 2>&1
strace -f -qq -s 128 -o "$SB_WORK/trace.txt" \\
  $CHAIN \\
  prlimit --as="$SB_MEM" --fsize=16777216 --nproc=256 --core=0 -- \\
  timeout -s KILL "$SB_TIME" $SB_RUNNER ./sample > "$SB_WORK/output.txt" 2>&1
echo "exit=$?" > "$SB_WORK/exit.txt"
`;

/** Runs a sample (bytes) in a fresh sandbox and returns what it did. */
export async function runDynamic(
  sample: Buffer,
  runner: 'elf' | 'shell',
  opts: DynamicOptions = {},
): Promise<DynamicReport> {
  const why = sandboxAvailable();
  if (why) throw new SandboxUnavailable(why);
  const timeout = opts.timeoutSeconds ?? 5;
  const id = randomBytes(4).toString('hex');
  const ns = `moat-sb-${id}`;
  const base = existsSync('/run') ? '/run/moat-sandbox' : '/var/lib/moat-sandbox';
  const work = join(base, id);
  mkdirSync(work, { recursive: true, mode: 0o700 });
  writeFileSync(join(work, 'sample'), sample, { mode: 0o600 });
  writeFileSync(join(work, 'resolv.conf'), `nameserver ${SINK_IP}\n`);
  const pcap = join(work, 'net.pcap');
  const sinkLog = join(work, 'sink.jsonl');
  writeFileSync(sinkLog, '');
  const children: ChildProcess[] = [];
  const started = Date.now();
  let timedOut = false;
  let exitCode: number | null;
  try {
    sh(['ip', 'netns', 'add', ns]);
    sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    // Both veth ends stay inside the namespace: the "way out" leads nowhere, but packets are really
    // sent (a static neighbour for the fake gateway avoids ARP), so tcpdump sees every attempt.
    sh(['ip', '-n', ns, 'link', 'add', 'sbout0', 'type', 'veth', 'peer', 'name', 'sbdrop0']);
    sh(['ip', '-n', ns, 'link', 'set', 'sbout0', 'up']);
    sh(['ip', '-n', ns, 'link', 'set', 'sbdrop0', 'up']);
    sh(['ip', '-n', ns, 'addr', 'add', '10.66.0.1/24', 'dev', 'sbout0']);
    sh(['ip', '-n', ns, 'addr', 'add', `${SINK_IP}/32`, 'dev', 'lo']);
    sh([
      'ip',
      '-n',
      ns,
      'neigh',
      'add',
      '10.66.0.254',
      'lladdr',
      '02:00:00:00:00:fe',
      'dev',
      'sbout0',
      'nud',
      'permanent',
    ]);
    sh(['ip', '-n', ns, 'route', 'add', 'default', 'via', '10.66.0.254', 'dev', 'sbout0']);

    const dump = spawn(
      'ip',
      ['netns', 'exec', ns, 'tcpdump', '-i', 'any', '--immediate-mode', '-U', '-n', '-s', '512', '-w', pcap],
      { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(dump);
    await waitFor(dump, 'stderr', 'listening on', 5000);
    const sinkJs = fileURLToPath(new URL('./sink.js', import.meta.url));
    const sink = spawn('ip', ['netns', 'exec', ns, process.execPath, sinkJs, sinkLog, SINK_IP], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(sink);
    await waitFor(sink, 'stdout', 'ready', 5000);

    const run = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns,
        'unshare',
        '--mount',
        '--pid',
        '--fork',
        '--mount-proc',
        '--propagation',
        'private',
        'sh',
        '-c',
        INNER,
      ],
      {
        detached: true,
        stdio: 'ignore',
        env: {
          PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
          SB_WORK: work,
          SB_MEM: String(opts.memoryBytes ?? 512 << 20),
          SB_TIME: String(timeout),
          SB_RUNNER: runner === 'shell' ? '/bin/sh' : '',
        },
      },
    );
    children.push(run);
    await new Promise<void>((resolve) => {
      const hard = setTimeout(
        () => {
          timedOut = true;
          killGroup(run);
        },
        (timeout + 5) * 1000,
      );
      run.once('exit', () => {
        clearTimeout(hard);
        resolve();
      });
    });
    const exitText = readCapped(join(work, 'exit.txt'), 100);
    const m = /exit=(\d+)/.exec(exitText);
    exitCode = m ? Number(m[1]) : null;
    if (exitCode === 137) timedOut = true;
    // Stop tcpdump first with SIGTERM so it writes the last packets, then clean up the rest.
    await new Promise((r) => setTimeout(r, 200));
    const dumpPid = dump.pid;
    if (dumpPid && dump.exitCode === null) {
      const gone = new Promise((r) => dump.once('exit', r));
      process.kill(-dumpPid, 'SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 2000))]);
    }
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  } finally {
    cleanup(ns, children);
  }
  try {
    // Behaviour starts where the sample is executed: the wrappers' own syscalls are not the sample's.
    const trace = parseTrace(readCapped(join(work, 'trace.txt'), MAX_TRACE), {
      startAt: (argv) => argv[0] === './sample' || argv[1] === './sample',
    });
    const sinkEntries: SinkEntry[] = readCapped(sinkLog, 1 << 20)
      .split('\n')
      .filter(Boolean)
      .slice(0, 2000)
      .map((l) => JSON.parse(l) as SinkEntry);
    const report: DynamicReport = {
      ran: true,
      runner,
      exitCode,
      timedOut,
      durationMs: Date.now() - started,
      trace,
      sink: sinkEntries,
      namespace: ns,
      identity: parseIdentity(readCapped(join(work, 'identity.txt'), 4096)),
      output: readCapped(join(work, 'output.txt'), MAX_OUTPUT),
    };
    report.pcapPackets = countPcapPackets(pcap);
    report.flows = await flowsFromPcap(pcap);
    if (opts.keepDir) {
      mkdirSync(opts.keepDir, { recursive: true });
      if (existsSync(pcap)) {
        const kept = join(opts.keepDir, `${ns}.pcap`);
        copyFileSync(pcap, kept);
        report.pcap = kept;
      }
      if (existsSync(join(work, 'trace.txt')))
        copyFileSync(join(work, 'trace.txt'), join(opts.keepDir, `${ns}.strace`));
    }
    return report;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function parseIdentity(text: string): DynamicReport['identity'] {
  const field = (k: string): string | undefined =>
    new RegExp(`^${k}=(.*)$`, 'm').exec(text)?.[1].trim().replace(/\s+/g, ' ');
  const id = field('id');
  const uidMap = field('uid_map');
  const gidMap = field('gid_map');
  return id && uidMap && gidMap ? { id, uidMap, gidMap } : undefined;
}

/**
 * A-81 network level: the capture parsed by moat's own engine — one entry per flow (destination,
 * protocol, packets) and the DNS names asked. Empty when the engine is unavailable.
 */
async function flowsFromPcap(
  pcap: string,
): Promise<Array<{ dest: string; proto: string; packets: number; app?: string }>> {
  if (!existsSync(pcap) || statSync(pcap).size <= 24) return [];
  try {
    const { analyzeToEvents } = await import('../pipeline/index.js');
    const { events } = await analyzeToEvents(pcap);
    const out: Array<{ dest: string; proto: string; packets: number; app?: string }> = [];
    for (const e of events) {
      if (e.event_type !== 'flow' || out.length >= 500) continue;
      const flow = e.flow as { pkts_toserver?: number; pkts_toclient?: number } | undefined;
      out.push({
        dest: `${String(e.dest_ip)}:${String(e.dest_port ?? '')}`,
        proto: String(e.proto),
        packets: (flow?.pkts_toserver ?? 0) + (flow?.pkts_toclient ?? 0),
        app: e.app_proto as string | undefined,
      });
    }
    return out;
  } catch {
    return [];
  }
}

/** Ends every process still in the namespace by PID, then the helpers, then deletes the namespace. */
function cleanup(ns: string, children: ChildProcess[]): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5000 })
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  } catch {
    /* namespace not created */
  }
  for (const c of children.reverse()) {
    if (c.pid && c.exitCode === null && c.signalCode === null) {
      try {
        process.kill(-c.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
  }
  try {
    sh(['ip', 'netns', 'del', ns]);
  } catch {
    /* already gone */
  }
}

/** Packet count of a classic pcap (tcpdump -w) without loading it whole. */
export function countPcapPackets(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const b = readFileSync(path);
  if (b.length < 24) return 0;
  const le = b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32LE(0) === 0xa1b23c4d;
  let n = 0;
  for (let o = 24; o + 16 <= b.length;) {
    const caplen = le ? b.readUInt32LE(o + 8) : b.readUInt32BE(o + 8);
    o += 16 + caplen;
    if (o <= b.length) n++;
  }
  return n;
}
