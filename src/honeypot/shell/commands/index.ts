/** The command registry: every name (and /bin/…, /usr/bin/…, /sbin/… path) an attacker may type. */
import type { ShellCommand } from '../command.js';
import { cat } from './cat.js';
import { echo } from './echo.js';
import { printf } from './printf.js';
import { ls } from './ls.js';
import { cd, pwd } from './cd.js';
import { uname } from './uname.js';
import { ps } from './ps.js';
import { wget } from './wget.js';
import { curl } from './curl.js';
import { tftp } from './tftp.js';
import { ftpget } from './ftpget.js';
import { chmod } from './chmod.js';
import { rm } from './rm.js';
import { cp, mv } from './cp.js';
import { sh } from './sh.js';
import { makeBusybox } from './busybox.js';
import { enable } from './enable.js';
import { nproc, kill, trueCmd, falseCmd, whoami, ifconfig, mkdir, touch } from './misc.js';

const busybox = makeBusybox(lookupCommand, appletNames);

const ALL: ShellCommand[] = [
  cat,
  echo,
  printf,
  ls,
  cd,
  pwd,
  uname,
  ps,
  wget,
  curl,
  tftp,
  ftpget,
  chmod,
  rm,
  cp,
  mv,
  sh,
  busybox,
  enable,
  nproc,
  kill,
  trueCmd,
  falseCmd,
  whoami,
  ifconfig,
  mkdir,
  touch,
];

const byName = new Map<string, ShellCommand>();
for (const c of ALL) for (const n of c.names) byName.set(n, c);

export function lookupCommand(name: string): ShellCommand | undefined {
  const m = /^\/(?:usr\/)?s?bin\/([^/]+)$/.exec(name);
  return byName.get(m ? m[1] : name);
}

export function appletNames(): string[] {
  return [...byName.keys()]
    .filter((n) => /^[a-z]/.test(n) && !['enable', 'system', 'shell', 'linuxshell', 'bash'].includes(n))
    .sort();
}
