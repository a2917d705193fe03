/**
 * `moat policy validate|test|apply` — the configuration client (T-52) on the command line: check a policy file,
 * see how it scores a capture or a single handshake (with the full breakdown), and send it to a running monitor.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';
import { UsageError } from '../errors.js';
import { MoatError, OperationalError } from '../../framework/errors.js';
import { collect } from '../options.js';
import { loadPolicyFile } from '../../tlsmon/index.js';

function mustExist(what: string, p: string): void {
  if (!existsSync(p)) throw new UsageError(`${what}: no such file: ${p}`);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n) : s + ' '.repeat(n - s.length);
}

export const registerPolicy: RegisterCommand = (program: Command, setExit) => {
  const policy = program
    .command('policy')
    .description('TLS monitor policies (Spec T): validate, test, apply');

  policy
    .command('validate')
    .description('check a policy file; every problem is listed with its path')
    .argument('<file>', 'policy YAML file')
    .action((file: string) => {
      mustExist('policy validate', file);
      // A PolicyError lists every problem at once; cli/main.ts prints it as it is, exit 2.
      const pf = loadPolicyFile(file);
      process.stdout.write(
        `${file}: ok — ${Object.keys(pf.policies).length} policies (${Object.keys(pf.policies).join(', ')}), default ${pf.default}, ` +
          `${pf.selectors.length} selectors, ${Object.keys(pf.scenarios).length} scenarios, ${Object.keys(pf.channels).length} alert channels\n`,
      );
    });

  policy
    .command('test')
    .description(
      'score the TLS handshakes of a capture, or one handshake described in JSON, under a policy file',
    )
    .argument('<file>', 'policy YAML file')
    .option('--capture <pcap>', 'a pcap/pcapng file: every TLS handshake in it is scored')
    .option(
      '--handshake <json>',
      'a JSON file describing one handshake: {src, dst, dstPort, sni, version, chain: [PEM…]}',
    )
    .option('--ca <file>', 'extra trust anchor (repeatable)', collect, [])
    .option('--intel <file>', 'threat-intel feed (repeatable)', collect, [])
    .option('--roots-history <dir>', "judge chains with the Mozilla roots trusted at each handshake's time")
    .option('--json', 'print JSON: one object per handshake')
    .option('--fail-on-risk', 'exit 1 when any handshake is risky')
    .action(
      async (
        file: string,
        o: {
          capture?: string;
          handshake?: string;
          ca: string[];
          intel: string[];
          rootsHistory?: string;
          json?: boolean;
          failOnRisk?: boolean;
        },
      ) => {
        mustExist('policy test', file);
        if (!o.capture === !o.handshake)
          throw new UsageError('policy test: give exactly one of --capture or --handshake');
        const { createTlsmon } = await import('../../tlsmon/index.js');
        const { runAnalysis } = await import('../../pipeline/index.js');
        const { scoreEve } = await import('../../tlsmon/index.js');
        const { featuresFromInput, handshakeSchema, HandshakeInputError } =
          await import('../../api/index.js');
        let mon;
        try {
          mon = await createTlsmon({
            policyPath: file,
            caFiles: o.ca,
            intelFiles: o.intel,
            rootsHistory: o.rootsHistory,
            deliverAlerts: false,
          });
        } catch (err) {
          if (err instanceof MoatError) throw err;
          throw new UsageError(err instanceof Error ? err.message : String(err));
        }
        let risky = 0;
        try {
          if (o.handshake) {
            mustExist('--handshake', o.handshake);
            let raw: unknown;
            try {
              raw = JSON.parse(readFileSync(o.handshake, 'utf8'));
            } catch (err) {
              throw new UsageError(
                `${o.handshake}: not JSON: ${err instanceof Error ? err.message : String(err)}`,
              );
            }
            const parsed = handshakeSchema.safeParse(raw);
            if (!parsed.success) {
              throw new UsageError(
                `${o.handshake}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
              );
            }
            let out;
            try {
              out = scoreEve(mon.monitor.evaluate(featuresFromInput(parsed.data), true));
            } catch (err) {
              if (err instanceof HandshakeInputError) throw new UsageError(`${o.handshake}: ${err.message}`);
              throw err;
            }
            if (out.verdict === 'risky') risky++;
            process.stdout.write(JSON.stringify(out, null, o.json ? 0 : 2) + '\n');
          } else if (o.capture) {
            mustExist('--capture', o.capture);
            if (!o.json)
              process.stdout.write(
                `${pad('verdict', 8)} ${pad('F', 7)} ${pad('policy', 11)} ${pad('version', 8)} ${pad('client → server', 44)} sni\n`,
              );
            await runAnalysis(
              { file: o.capture },
              {
                eveTypes: ['tls'],
                inspectors: [mon.inspector],
                onEvent: (ev) => {
                  const tls = ev.tls as Record<string, unknown>;
                  const s = (tls.moat as { score: Record<string, unknown> }).score;
                  if (s.verdict === 'risky') risky++;
                  if (o.json) {
                    process.stdout.write(
                      JSON.stringify({
                        src_ip: ev.src_ip,
                        src_port: ev.src_port,
                        dest_ip: ev.dest_ip,
                        dest_port: ev.dest_port,
                        sni: tls.sni,
                        version: tls.version,
                        score: s,
                      }) + '\n',
                    );
                    return;
                  }
                  const f = typeof s.score === 'number' ? s.score.toFixed(3) : 'n/a';
                  const pair = `${String(ev.src_ip)}:${String(ev.src_port)} → ${String(ev.dest_ip)}:${String(ev.dest_port)}`;
                  process.stdout.write(
                    `${pad(String(s.verdict), 8)} ${pad(f, 7)} ${pad(String(s.policy), 11)} ${pad(String(tls.version), 8)} ${pad(pair, 44)} ${String(tls.sni ?? '')}\n`,
                  );
                },
              },
            );
          }
        } finally {
          await mon.close();
        }
        if (o.failOnRisk && risky > 0) setExit(1);
      },
    );

  policy
    .command('apply')
    .description(
      "send a policy file to a running monitor's API; it is validated there and swapped in atomically",
    )
    .argument('<file>', 'policy YAML file')
    .requiredOption('--url <url>', 'the monitor API, e.g. http://127.0.0.1:8642')
    .option('--api-key <key>', 'the API key the monitor was started with')
    .action(async (file: string, o: { url: string; apiKey?: string }) => {
      mustExist('policy apply', file);
      const text = readFileSync(file, 'utf8');
      let res: Response;
      try {
        res = await fetch(new URL('/v1/tlsmon/policies', o.url), {
          method: 'PUT',
          headers: {
            'content-type': 'application/yaml',
            ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}),
          },
          body: text,
        });
      } catch (err) {
        throw new OperationalError(
          `policy apply: cannot reach ${o.url}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      const body = (await res.json().catch(() => ({}))) as {
        version?: number;
        problems?: string[];
        error?: string;
      };
      if (!res.ok) {
        throw new UsageError(
          `policy apply: the monitor refused it (HTTP ${res.status}): ${body.error ?? ''}\n  - ${(body.problems ?? []).join('\n  - ')}`,
        );
      }
      process.stdout.write(`applied ${file}: policy version ${String(body.version)}\n`);
    });
};
