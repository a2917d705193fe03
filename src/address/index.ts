/**
 * moat's one address model (bottom layer: imports nothing of moat, every folder may import it). Addresses
 * are four uint32 words with IPv4 stored IPv4-mapped — the form the decoder fills in place — and every
 * function takes words, so the packet path formats, compares and matches without an object per address.
 */
export {
  AddressError,
  ipFamily,
  ipv4Words,
  isIpv4Words,
  type Ip,
  type IpVersion,
  type IpWords,
} from './types.js';
export { ipProblem, parseIp, parseIpInto, tryParseIp } from './parse.js';
export { formatIp, formatIpv4, formatIpv6, formatIpv6Full } from './format.js';
export { compareIp, compareWords, equalIp } from './compare.js';
export {
  cidrContains,
  cidrOf,
  formatCidr,
  isHostCidr,
  maskIp,
  parseCidr,
  tryParseCidr,
  type Cidr,
} from './cidr.js';
export { PrefixSet, type PrefixMatch } from './prefix-set.js';
export { classifyIp, isGloballyReachable, type AddressClass, type AddressKind } from './classify.js';
export { ipBytes, ipFromBigInt, ipToBigInt, readIpBytes, writeIpBytes } from './bytes.js';
