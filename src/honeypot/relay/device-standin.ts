/**
 * A real IoT device stand-in (tests, demos): a camera's maintenance shell on TCP that really runs
 * nothing — it answers a few read-only commands with device-identifying output (serial, MAC, IP,
 * name, a credential in its config dump) and appends every line it receives to a log, so tests can
 * prove what reached it. Run: `node device-standin.js PORT LOGFILE [HOST]`.
 */
import { createServer } from 'node:net';
import { appendFileSync } from 'node:fs';

const [port, logPath, host = '0.0.0.0'] = process.argv.slice(2);
const END = '\n#MOAT-END#\n';
const ANSWERS: Record<string, string> = {
  'uname -a': 'Linux cam-frontdoor 3.18.20 #4 PREEMPT Fri Jun 2 09:12:44 CST 2023 armv7l GNU/Linux',
  'cat /proc/cpuinfo':
    'processor\t: 0\nmodel name\t: ARMv7 Processor rev 5 (v7l)\nHardware\t: Hisilicon hi3518ev200\nSerial\t\t: HX3518E0021937',
  ifconfig:
    'eth0      Link encap:Ethernet  HWaddr 3C:EF:8C:11:22:33\n          inet addr:192.168.7.41  Bcast:192.168.7.255  Mask:255.255.255.0',
  'cat /etc/device.conf':
    'name=cam-frontdoor\nserial: HX3518E0021937\npassword=frontdoor2023\nowner=jane.doe@example.com',
  ps: '  PID USER       VSZ STAT COMMAND\n    1 root      1460 S    init\n  402 root     23040 S    /app/ipcam --name cam-frontdoor',
};

const server = createServer((s) => {
  let buf = '';
  s.on('error', () => s.destroy());
  s.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      appendFileSync(logPath, line + '\n');
      const answer = ANSWERS[line] ?? `sh: ${line.split(' ')[0]}: not found`;
      s.write(answer + END);
    }
  });
});
// "ready PORT": port 0 asks the kernel for a free one, and the caller learns which.
server.listen(Number(port), host, () =>
  process.stdout.write(`ready ${(server.address() as { port: number }).port}\n`),
);
