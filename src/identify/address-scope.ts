/**
 * Which addresses the identification model may judge at all. The model learned from public internet hosts;
 * private, reserved, link-local, loopback, multicast and documentation ranges are never abuse infrastructure
 * on the internet, so a verdict on them would be noise ("clean" there claims knowledge the model lacks).
 * The ranges are the IANA special-purpose registries, as the one address model classifies them.
 */
import { classifyIp, type IpWords } from '../address/index.js';

/** The registry's name of the special-purpose block an address falls in ('Private-Use' …), or null when public. */
export function specialScope(w: IpWords): string | null {
  const c = classifyIp(w);
  return c.global ? null : c.name;
}
