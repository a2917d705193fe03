/**
 * `enable`, `system`, `shell`, `linuxshell`: what Mirai types to leave a vendor CLI for a shell. On
 * BusyBox they do not exist; on the devices it targets they drop to the shell silently, which is what
 * keeps the loader going.
 */
import type { ShellCommand } from '../command.js';

export const enable: ShellCommand = {
  names: ['enable', 'system', 'shell', 'linuxshell'],
  run() {
    return 0;
  },
};
