/**
 * `busybox [APPLET] [ARGS]`. Mirai probes with `/bin/busybox ECCHI` and waits for
 * `ECCHI: applet not found` to know its commands ran on a real BusyBox: that exact answer matters.
 */
import type { ShellCommand } from '../command.js';

/**
 * Built from the registry's look-up (the registry lists busybox itself, so busybox takes the look-up as an
 * argument instead of importing the registry back).
 */
export function makeBusybox(
  lookupCommand: (name: string) => ShellCommand | undefined,
  appletNames: () => string[],
): ShellCommand {
  const busybox: ShellCommand = {
    names: ['busybox'],
    async run(ctx) {
      const applet = ctx.argv[1];
      if (applet === undefined || applet === '--help') {
        ctx.out(
          `BusyBox ${ctx.persona.busyboxVersion} multi-call binary.\n` +
            'BusyBox is copyrighted by many authors between 1998-2015.\nLicensed under GPLv2.\n\n' +
            'Usage: busybox [function [arguments]...]\n\nCurrently defined functions:\n\t' +
            appletNames().join(', ') +
            '\n',
        );
        return 0;
      }
      const cmd = lookupCommand(applet);
      if (!cmd || cmd === busybox) {
        ctx.err(`${applet}: applet not found\n`);
        return 127;
      }
      return cmd.run({ ...ctx, argv: ctx.argv.slice(1) });
    },
  };
  return busybox;
}
