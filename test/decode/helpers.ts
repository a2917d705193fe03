/** Shared test plumbing: decode one frame, read the result as text. */
import { formatIp } from '../../src/address/index.js';
import { DecodedPacket, type DecodeResult } from '../../src/decode/decoded-packet.js';
import { PacketDecoder, type PacketDecoderOptions } from '../../src/decode/packet-decoder.js';

export interface Decoded {
  r: DecodeResult;
  pkt: DecodedPacket;
  src: string;
  dst: string;
  payload: Buffer;
}

export function view(r: DecodeResult, pkt: DecodedPacket): Decoded {
  return {
    r,
    pkt,
    src: pkt.ipVersion ? formatIp(pkt.src, pkt.ipVersion) : '',
    dst: pkt.ipVersion ? formatIp(pkt.dst, pkt.ipVersion) : '',
    payload: Buffer.from(pkt.buf.subarray(pkt.payloadOff, pkt.payloadOff + pkt.payloadLen)),
  };
}

/** Decodes `frame` placed at an odd offset in a larger buffer full of 0xEE (so reading past caplen shows). */
export function decodeFrame(
  frame: Buffer,
  linkType: number,
  opts: {
    caplen?: number;
    wirelen?: number;
    tsUs?: number;
    decoder?: PacketDecoder;
    dopts?: PacketDecoderOptions;
    pkt?: DecodedPacket;
  } = {},
): Decoded {
  const dec = opts.decoder ?? new PacketDecoder(opts.dopts);
  const buf = Buffer.alloc(frame.length + 64, 0xee);
  frame.copy(buf, 7);
  const caplen = opts.caplen ?? frame.length;
  const pkt = opts.pkt ?? new DecodedPacket();
  const r = dec.decode(buf, 7, caplen, opts.wirelen ?? frame.length, opts.tsUs ?? 1_000_000, linkType, pkt);
  return view(r, pkt);
}
