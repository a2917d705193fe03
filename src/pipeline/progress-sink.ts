/**
 * Wraps a packet sink so that every 65,536 packets the fraction of the file read is reported. Each record
 * costs its captured bytes plus a 16-byte header, which is close enough for a progress bar. `counts` is
 * whatever keeps the running packet and byte totals (a Pipeline's stats, the dispatcher).
 */
import type { PacketSink } from '../capture/index.js';

const PROGRESS_EVERY = 1 << 16;

export function withProgress(
  sink: PacketSink,
  counts: { readonly packets: number; readonly bytes: number },
  fileSize: number,
  report: (fraction: number) => void,
): PacketSink {
  let countdown = PROGRESS_EVERY;
  return {
    onPacket(buf, off, caplen, wirelen, tsUs, linkType) {
      sink.onPacket(buf, off, caplen, wirelen, tsUs, linkType);
      if (--countdown === 0) {
        countdown = PROGRESS_EVERY;
        report(Math.min(1, (counts.bytes + 16 * counts.packets) / fileSize));
      }
    },
  };
}
