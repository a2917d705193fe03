/**
 * The TCP session state of a flow, named as Suricata's EVE `tcp.state` names it. Suricata names the states from
 * the responder's side: the initiator's FIN puts the session in close_wait, the responder's in fin_wait1.
 * Only flags are used (no window/ACK-number validation): moat observes, it does not enforce.
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../decode/index.js';

export const TCP_NONE = 0;
export const TCP_SYN_SENT = 1;
export const TCP_SYN_RECV = 2;
export const TCP_ESTABLISHED = 3;
export const TCP_FIN_WAIT1 = 4;
export const TCP_FIN_WAIT2 = 5;
export const TCP_TIME_WAIT = 6;
export const TCP_LAST_ACK = 7;
export const TCP_CLOSE_WAIT = 8;
export const TCP_CLOSING = 9;
export const TCP_CLOSED = 10;

export const TCP_STATE_NAMES = [
  'none',
  'syn_sent',
  'syn_recv',
  'established',
  'fin_wait1',
  'fin_wait2',
  'time_wait',
  'last_ack',
  'close_wait',
  'closing',
  'closed',
] as const;

/** The next session state after a packet with `flags` from direction `dir` (0 initiator, 1 responder). */
export function nextTcpState(state: number, dir: number, flags: number): number {
  if (flags & TCP_RST) return TCP_CLOSED;
  const syn = (flags & TCP_SYN) !== 0;
  const ack = (flags & TCP_ACK) !== 0;
  const fin = (flags & TCP_FIN) !== 0;
  switch (state) {
    case TCP_NONE:
      if (syn) return ack ? TCP_SYN_RECV : TCP_SYN_SENT;
      // Midstream pickup: the handshake was before the capture.
      return fin ? (dir === 0 ? TCP_CLOSE_WAIT : TCP_FIN_WAIT1) : TCP_ESTABLISHED;
    case TCP_SYN_SENT:
      if (syn && ack && dir === 1) return TCP_SYN_RECV;
      return state;
    case TCP_SYN_RECV:
      if (dir === 0 && ack && !syn) return fin ? TCP_CLOSE_WAIT : TCP_ESTABLISHED;
      return state;
    case TCP_ESTABLISHED:
      if (fin) return dir === 0 ? TCP_CLOSE_WAIT : TCP_FIN_WAIT1;
      return state;
    case TCP_CLOSE_WAIT: // initiator closed first
      if (fin && dir === 1) return TCP_LAST_ACK;
      return state;
    case TCP_LAST_ACK:
      if (dir === 0 && ack) return TCP_CLOSED;
      return state;
    case TCP_FIN_WAIT1: // responder closed first
      if (dir === 0 && fin) return ack ? TCP_TIME_WAIT : TCP_CLOSING;
      if (dir === 0 && ack) return TCP_FIN_WAIT2;
      return state;
    case TCP_FIN_WAIT2:
      if (dir === 0 && fin) return TCP_TIME_WAIT;
      return state;
    case TCP_CLOSING:
      if (dir === 1 && ack) return TCP_TIME_WAIT;
      return state;
    case TCP_TIME_WAIT:
      if (dir === 1 && ack) return TCP_CLOSED;
      return state;
    default:
      return state;
  }
}

/** Flow state as EVE `flow.state` reports it: new until the handshake completes, closed from last_ack on. */
export function flowStateOfTcp(state: number): 0 | 1 | 2 {
  if (state <= TCP_SYN_RECV) return 0;
  if (state === TCP_LAST_ACK || state === TCP_TIME_WAIT || state === TCP_CLOSED) return 2;
  return 1;
}
