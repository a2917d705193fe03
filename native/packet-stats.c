/*
 * The kernel's packet-socket counters (getsockopt PACKET_STATISTICS), which is what libpcap's pcap_stats()
 * reads on Linux: packets received by the socket (drops included) and packets dropped because the capture
 * ring was full. The `cap` binding moat captures with does not expose pcap_stats, so moat reads the same
 * counters from the capture's socket itself. Each read resets the kernel's counters; the caller accumulates.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <node_api.h>

#ifndef SOL_PACKET
#define SOL_PACKET 263
#endif

static napi_value Stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "packetStats(fd): fd must be a number");
    return NULL;
  }
  struct tpacket_stats st;
  socklen_t len = sizeof(st);
  memset(&st, 0, sizeof(st));
  if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  napi_value out, p, d;
  napi_create_array_with_length(env, 2, &out);
  napi_create_double(env, (double)st.tp_packets, &p);
  napi_create_double(env, (double)st.tp_drops, &d);
  napi_set_element(env, out, 0, p);
  napi_set_element(env, out, 1, d);
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "packetStats", NAPI_AUTO_LENGTH, Stats, NULL, &fn);
  napi_set_named_property(env, exports, "packetStats", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
