/**
 * SIGINT/SIGTERM for a long-running command. The handlers are installed when this is called, so a command
 * calls it before it announces that it is ready: a supervisor (or a test) that stops the process as soon as it
 * reads "listening on …" must find the handler there, or the process dies on the default action.
 */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
