// Compiles moat's one native helper (native/packet-stats.c: the kernel's capture counters, read as libpcap's
// pcap_stats reads them) into dist/native/. Linux only; without a C compiler or Node's headers the build goes on
// and live captures report their statistics as unavailable.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const out = 'dist/native/packet-stats.node';
const include = join(dirname(dirname(process.execPath)), 'include', 'node');
if (process.platform !== 'linux') process.exit(0);
if (!existsSync(join(include, 'node_api.h'))) {
  console.warn(`build-native: no Node headers in ${include}: live capture statistics will be unavailable`);
  process.exit(0);
}
mkdirSync('dist/native', { recursive: true });
try {
  execFileSync(
    process.env.CC ?? 'cc',
    [
      '-O2',
      '-shared',
      '-fPIC',
      '-Wall',
      '-DNODE_GYP_MODULE_NAME=packet_stats',
      `-I${include}`,
      '-o',
      out,
      'native/packet-stats.c',
    ],
    { stdio: 'inherit' },
  );
} catch (e) {
  console.warn(`build-native: ${e.message}: live capture statistics will be unavailable`);
}
