// Compiles moat's native helpers into dist/native/: native/packet-stats.c (the kernel's capture counters, read as
// libpcap's pcap_stats reads them) and native/literal-scan.c (the rule prefilter's scan loop). Linux only; without
// a C compiler or Node's headers the build goes on: live captures report their statistics as unavailable and the
// prefilter scans in TypeScript (same results, slower).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const helpers = [
  ['packet-stats', 'live capture statistics will be unavailable'],
  ['literal-scan', 'the rule prefilter will scan in TypeScript'],
];
const include = join(dirname(dirname(process.execPath)), 'include', 'node');
if (process.platform !== 'linux') process.exit(0);
if (!existsSync(join(include, 'node_api.h'))) {
  console.warn(`build-native: no Node headers in ${include}: ${helpers.map(([, why]) => why).join('; ')}`);
  process.exit(0);
}
mkdirSync('dist/native', { recursive: true });
for (const [name, why] of helpers) {
  try {
    execFileSync(
      process.env.CC ?? 'cc',
      [
        '-O2',
        '-shared',
        '-fPIC',
        '-Wall',
        `-DNODE_GYP_MODULE_NAME=${name.replace('-', '_')}`,
        `-I${include}`,
        '-o',
        `dist/native/${name}.node`,
        `native/${name}.c`,
      ],
      { stdio: 'inherit' },
    );
  } catch (e) {
    console.warn(`build-native: ${e.message}: ${why}`);
  }
}
