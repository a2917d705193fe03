/**
 * The emulated device's identity as data (Cowrie's lesson: identity is configuration, not code), so
 * fingerprinting one moat honeypot does not fingerprint them all. Defaults look like a cheap
 * ARMv7 IP camera running BusyBox, the Mirai target class.
 */
export interface Persona {
  hostname: string;
  kernel: string;
  kernelVersion: string;
  machine: string;
  busyboxVersion: string;
  cpuinfo: string;
  mounts: string;
  /** Accepted telnet/SSH logins; empty = accept any password after `acceptAfter` tries. */
  logins: Array<{ user: string; password: string }>;
  /** Accept any credentials from this attempt on (1-based); 0 = never. */
  acceptAfter: number;
  /** HTTP persona: the login page brand. */
  webTitle: string;
}

export const defaultPersona: Persona = {
  hostname: 'IPC-3516',
  kernel: 'Linux',
  kernelVersion: '3.10.0 #1 SMP Tue Mar 7 11:02:33 CST 2017',
  machine: 'armv7l',
  busyboxVersion: 'v1.24.2 (2017-03-07 10:41:12 CST)',
  cpuinfo: [
    'processor\t: 0',
    'model name\t: ARMv7 Processor rev 5 (v7l)',
    'BogoMIPS\t: 1196.85',
    'Features\t: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae',
    'CPU implementer\t: 0x41',
    'CPU architecture: 7',
    'CPU variant\t: 0x0',
    'CPU part\t: 0xc07',
    'CPU revision\t: 5',
    '',
    'Hardware\t: hi3516cv300',
    'Revision\t: 0000',
    'Serial\t\t: 0000000000000000',
    '',
  ].join('\n'),
  mounts: [
    'rootfs / rootfs rw 0 0',
    '/dev/root / squashfs ro,relatime 0 0',
    'proc /proc proc rw,relatime 0 0',
    'sysfs /sys sysfs rw,relatime 0 0',
    'tmpfs /dev tmpfs rw,relatime 0 0',
    'tmpfs /tmp tmpfs rw,relatime 0 0',
    'devpts /dev/pts devpts rw,relatime,mode=600 0 0',
    '/dev/mtdblock4 /mnt/mtd jffs2 rw,relatime 0 0',
    '',
  ].join('\n'),
  logins: [
    { user: 'root', password: 'xc3511' },
    { user: 'root', password: 'vizxv' },
    { user: 'admin', password: 'admin' },
    { user: 'root', password: '123456' },
  ],
  acceptAfter: 0,
  webTitle: 'NETSurveillance WEB',
};

export function checkLogin(p: Persona, user: string, password: string, attempt: number): boolean {
  if (p.logins.some((l) => l.user === user && l.password === password)) return true;
  return p.acceptAfter > 0 && attempt >= p.acceptAfter;
}
