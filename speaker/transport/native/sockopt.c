/*
 * bgpcast socket options: the few setsockopt calls a BGP speaker needs and Node lacks.
 *
 *   socket(family)               -> fd   non-blocking, close-on-exec TCP socket (family 4 or 6)
 *   bind(fd, address, port)              with SO_REUSEADDR (and IPV6_V6ONLY on AF_INET6)
 *   listen(fd, backlog)
 *   setMd5(fd, peerAddress, key)         TCP_MD5SIG, RFC 2385; an empty key removes the peer's key
 *   setTtl(fd, family, ttl)              IP_TTL / IPV6_UNICAST_HOPS (eBGP 1, multihop N, GTSM 255)
 *   setMinTtl(fd, family, minTtl)        IP_MINTTL / IPV6_MINHOPCOUNT, RFC 5082 (GTSM); 0 = off
 *   getTtl(fd, family), getMinTtl(fd, family)   for tests and status
 *   close(fd)                            only for an fd never handed to Node
 *
 * Every function is synchronous and cheap; none blocks. Connecting and accepting are left to
 * Node: the fd is wrapped by net.Socket / net.Server, and libuv does the non-blocking connect,
 * so no thread here ever waits on the network. Errors throw an Error whose `errno` is the C
 * errno and whose `syscall` names the call; the TypeScript wrapper adds the code name.
 *
 * Written against Node-API (ABI-stable across Node versions, version 8 here) and built with
 * gcc alone (build.sh): no node-gyp, which would fetch Node's headers from the network.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(call)                                                                      \
  do {                                                                                   \
    if ((call) != napi_ok) {                                                             \
      napi_throw_error(env, NULL, "sockopt: N-API call failed: " #call);                 \
      return NULL;                                                                       \
    }                                                                                    \
  } while (0)

static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  char text[160];
  snprintf(text, sizeof text, "%s: %s", syscall, strerror(err));
  napi_value msg, error, num, name;
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg) != napi_ok) return NULL;
  if (napi_create_error(env, NULL, msg, &error) != napi_ok) return NULL;
  napi_create_int32(env, err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &name);
  napi_set_named_property(env, error, "syscall", name);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *text) {
  napi_throw_type_error(env, NULL, text);
  return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) return -1;
  return 0;
}

static int get_int(napi_env env, napi_value v, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return -1;
  return napi_get_value_int32(env, v, out) == napi_ok ? 0 : -1;
}

/* An address in text form to a sockaddr; returns the family (AF_INET/AF_INET6) or -1. */
static int parse_addr(napi_env env, napi_value v, int port, struct sockaddr_storage *ss, socklen_t *len) {
  char text[INET6_ADDRSTRLEN + 1];
  size_t n;
  if (napi_get_value_string_utf8(env, v, text, sizeof text, &n) != napi_ok) return -1;
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    *len = sizeof *in4;
    return AF_INET;
  }
  if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    *len = sizeof *in6;
    return AF_INET6;
  }
  return -1;
}

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value js_socket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t family;
  if (get_args(env, info, 1, argv) || get_int(env, argv[0], &family) || (family != 4 && family != 6))
    return throw_type(env, "socket(family): family must be 4 or 6");
  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  napi_value out;
  CHECK(napi_create_int32(env, fd, &out));
  return out;
}

static napi_value js_bind(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, port;
  struct sockaddr_storage ss;
  socklen_t len;
  if (get_args(env, info, 3, argv) || get_int(env, argv[0], &fd) || get_int(env, argv[2], &port) || port < 0 ||
      port > 65535)
    return throw_type(env, "bind(fd, address, port)");
  int af = parse_addr(env, argv[1], port, &ss, &len);
  if (af < 0) return throw_type(env, "bind: not an IP address");
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) return throw_errno(env, "setsockopt SO_REUSEADDR", errno);
  if (af == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
    return throw_errno(env, "setsockopt IPV6_V6ONLY", errno);
  if (bind(fd, (struct sockaddr *)&ss, len) < 0) return throw_errno(env, "bind", errno);
  return undefined(env);
}

static napi_value js_listen(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd, backlog;
  if (get_args(env, info, 2, argv) || get_int(env, argv[0], &fd) || get_int(env, argv[1], &backlog))
    return throw_type(env, "listen(fd, backlog)");
  if (listen(fd, backlog) < 0) return throw_errno(env, "listen", errno);
  return undefined(env);
}

static napi_value js_set_md5(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  if (get_args(env, info, 3, argv) || get_int(env, argv[0], &fd)) return throw_type(env, "setMd5(fd, peer, key)");
  struct tcp_md5sig sig;
  memset(&sig, 0, sizeof sig);
  socklen_t len;
  if (parse_addr(env, argv[1], 0, (struct sockaddr_storage *)&sig.tcpm_addr, &len) < 0) return throw_type(env, "setMd5: peer is not an IP address");
  /* Room for one octet past the longest key, to tell a key that is too long. */
  char key[TCP_MD5SIG_MAXKEYLEN + 2];
  size_t n;
  if (napi_get_value_string_utf8(env, argv[2], key, sizeof key, &n) != napi_ok) return throw_type(env, "setMd5: key must be a string");
  if (n > TCP_MD5SIG_MAXKEYLEN) return throw_type(env, "setMd5: key longer than 80 octets");
  sig.tcpm_keylen = (uint16_t)n;
  memcpy(sig.tcpm_key, key, n);
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) < 0) {
    /* Removing a key that was never set is not an error for us. */
    if (n == 0 && errno == ENOENT) return undefined(env);
    return throw_errno(env, "setsockopt TCP_MD5SIG", errno);
  }
  return undefined(env);
}

static napi_value set_int_opt(napi_env env, napi_callback_info info, int v4opt, int v6opt, const char *name) {
  napi_value argv[3];
  int32_t fd, family, value;
  if (get_args(env, info, 3, argv) || get_int(env, argv[0], &fd) || get_int(env, argv[1], &family) ||
      get_int(env, argv[2], &value) || (family != 4 && family != 6) || value < 0 || value > 255)
    return throw_type(env, "(fd, family 4|6, value 0..255)");
  int level = family == 4 ? IPPROTO_IP : IPPROTO_IPV6;
  int opt = family == 4 ? v4opt : v6opt;
  if (setsockopt(fd, level, opt, &value, sizeof value) < 0) return throw_errno(env, name, errno);
  return undefined(env);
}

static napi_value get_int_opt(napi_env env, napi_callback_info info, int v4opt, int v6opt, const char *name) {
  napi_value argv[2];
  int32_t fd, family;
  if (get_args(env, info, 2, argv) || get_int(env, argv[0], &fd) || get_int(env, argv[1], &family) ||
      (family != 4 && family != 6))
    return throw_type(env, "(fd, family 4|6)");
  int value = 0;
  socklen_t len = sizeof value;
  if (getsockopt(fd, family == 4 ? IPPROTO_IP : IPPROTO_IPV6, family == 4 ? v4opt : v6opt, &value, &len) < 0)
    return throw_errno(env, name, errno);
  napi_value out;
  CHECK(napi_create_int32(env, value, &out));
  return out;
}

static napi_value js_set_ttl(napi_env env, napi_callback_info info) {
  return set_int_opt(env, info, IP_TTL, IPV6_UNICAST_HOPS, "setsockopt IP_TTL/IPV6_UNICAST_HOPS");
}
static napi_value js_set_min_ttl(napi_env env, napi_callback_info info) {
  return set_int_opt(env, info, IP_MINTTL, IPV6_MINHOPCOUNT, "setsockopt IP_MINTTL/IPV6_MINHOPCOUNT");
}
static napi_value js_get_ttl(napi_env env, napi_callback_info info) {
  return get_int_opt(env, info, IP_TTL, IPV6_UNICAST_HOPS, "getsockopt IP_TTL/IPV6_UNICAST_HOPS");
}
static napi_value js_get_min_ttl(napi_env env, napi_callback_info info) {
  return get_int_opt(env, info, IP_MINTTL, IPV6_MINHOPCOUNT, "getsockopt IP_MINTTL/IPV6_MINHOPCOUNT");
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (get_args(env, info, 1, argv) || get_int(env, argv[0], &fd)) return throw_type(env, "close(fd)");
  if (close(fd) < 0) return throw_errno(env, "close", errno);
  return undefined(env);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"socket", NULL, js_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"listen", NULL, js_listen, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setMd5", NULL, js_set_md5, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setTtl", NULL, js_set_ttl, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setMinTtl", NULL, js_set_min_ttl, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getTtl", NULL, js_get_ttl, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getMinTtl", NULL, js_get_min_ttl, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
