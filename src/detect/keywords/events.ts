/**
 * app-layer-event:<proto>.<event> — the rule matches a transaction on which moat's parser raised that event, as
 * Suricata's keyword does. Only the events moat's parsers raise are accepted: a rule on another one (or on a
 * protocol moat does not parse, or Suricata's protocol-detection `applayer_*` events) is refused with the reason,
 * rather than loaded to never fire. The names are Suricata's where Suricata has the event (libhtp's for HTTP).
 */
import { shared } from '../parse/strings.js';
import { RuleError } from '../rule.js';
import { decoderEventNames } from '../../decode/index.js';
import { STREAM_EVENT_NAMES } from '../../flow/index.js';
import { needValue, type KeywordHandler } from './context.js';

/** Per protocol, the events its parser raises (kept with the parsers' `anomaly(…)` calls; tested in events.test). */
export const RAISED_APP_EVENTS: Readonly<Record<string, readonly string[]>> = {
  dns: [
    'malformed_data',
    'z_flag_set',
    'invalid_opcode',
    'invalid_authorities',
    'invalid_additionals',
    'infinite_loop',
    'name_too_long',
    'too_many_labels',
    'not_a_request',
    'not_a_response',
  ],
  http: [
    'request_line_missing_protocol',
    'unable_to_match_response_to_request',
    'invalid_request_line',
    'invalid_response_line',
    'request_header_too_long',
    'response_header_too_long',
    'invalid_request_chunk_len',
    'invalid_response_chunk_len',
    'request_framing',
    'response_framing',
    'invalid_content_length',
    'too_many_pending_requests',
    'duplicate_content_length_field_in_request',
    'duplicate_content_length_field_in_response',
    'request_auth_unrecognized',
    'request_chunk_extension',
    'invalid_transfer_encoding_value_in_request',
    'request_body_unexpected',
    'request_header_host_invalid',
    'double_encoded_uri',
  ],
  tls: [
    'invalid_record_type',
    'invalid_record_version',
    'invalid_record_length',
    'invalid_handshake_message',
    'handshake_message_too_long',
    'invalid_sslv2_header',
  ],
  quic: [
    'initial_decryption_failed',
    'invalid_chlo',
    'invalid_initial_frames',
    'too_many_initials',
    'unexpected_handshake_message',
  ],
  http2: [
    'data_stream_zero',
    'invalid_client_magic',
    'invalid_frame_header',
    'invalid_frame_length',
    'invalid_header',
    'long_frame_data',
    'reassembly_gap',
    'reassembly_limit_reached',
    'too_many_streams',
    'dns_request_too_long',
    'dns_response_too_long',
  ],
};

/** The key an anomaly record's event is matched by: `proto.event`, lower case (libhtp's bare names are http's). */
export function appEventKey(event: string): string {
  const e = event.toLowerCase();
  return e.includes('.') ? e : `http.${e}`;
}

export const APP_LAYER_EVENT: KeywordHandler = (c, v, k) => {
  const text = needValue(v, k).trim().toLowerCase();
  const dot = text.indexOf('.');
  if (dot < 0)
    throw new RuleError(
      text.startsWith('applayer_')
        ? `'${text}' is a protocol-detection event, which moat does not raise`
        : `'${text}' is not <protocol>.<event>`,
      undefined,
      k,
    );
  const proto = text.slice(0, dot);
  const name = text.slice(dot + 1);
  const raised = RAISED_APP_EVENTS[proto];
  if (!raised) throw new RuleError(`moat has no ${proto} parser to raise '${text}'`, undefined, k);
  if (!raised.includes(name))
    throw new RuleError(`moat's ${proto} parser does not raise '${name}'`, undefined, k);
  (c.rule.appEvents ??= []).push(shared(`${proto}.${name}`));
};

/**
 * decode-event:<layer>.<event> — the packet carries that decoder event (Suricata's names, `decoder.` optional).
 * Only events moat's decoder raises are accepted: a rule on another is refused with the reason rather than
 * loaded to never fire.
 */
export const DECODE_EVENT: KeywordHandler = (c, v, k) => {
  const name = needValue(v, k).trim().toLowerCase();
  const full = `decoder.${name.replace(/^decoder\./, '')}`;
  if (!decoderEventNames().includes(full))
    throw new RuleError(`'${name}': moat's decoder does not raise this event`, undefined, k);
  (c.rule.decodeEvents ??= []).push(full);
};

/**
 * stream-event:<event> — the TCP stream engine raised that event on the packet (Suricata's stream-events.rules
 * names, `stream.` optional). It is matched with the packet's decoder events. Only the events moat's stream engine
 * raises are accepted; a rule on another is refused with the reason.
 */
export const STREAM_EVENT: KeywordHandler = (c, v, k) => {
  const name = needValue(v, k).trim().toLowerCase();
  const full = `stream.${name.replace(/^stream\./, '')}`;
  if (!STREAM_EVENT_NAMES.includes(full))
    throw new RuleError(
      `'${name}': moat's stream engine does not raise this event (it raises ${STREAM_EVENT_NAMES.join(', ')})`,
      undefined,
      k,
    );
  (c.rule.decodeEvents ??= []).push(full);
};
