/*
 * flock(2) for Node, as a Node-API addon.
 *
 * Why not fs-ext: fs-ext keeps V8 Persistent handles in process-global statics and Resets them in
 * every isolate that loads it, so loading it in two worker threads destroys one thread's handles
 * from the other (a segfault in GlobalHandles::Destroy, seen here with piscina pools). Node-API
 * addons hold no such state, so this one is safe in any number of threads.
 *
 * It also keeps the one piece of state that must be process-wide (see hubEnter below): which hub
 * the threads of this process share, and how many threads hold it. Static memory is per process and
 * shared by every thread that loads this library, which no JavaScript object is.
 */
#include <node_api.h>
#include <uv.h>
#include <sys/file.h>
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>

static napi_value throw_errno(napi_env env, int err, int fd) {
  char text[160];
  const char* code = uv_err_name(uv_translate_sys_error(err));
  snprintf(text, sizeof text, "%s: %s, flock (fd %d)", code, strerror(err), fd);
  napi_value msg, jscode, error, jsno, syscall;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &jscode);
  napi_create_error(env, jscode, msg, &error);
  napi_create_int32(env, -err, &jsno);
  napi_set_named_property(env, error, "errno", jsno);
  napi_create_string_utf8(env, "flock", NAPI_AUTO_LENGTH, &syscall);
  napi_set_named_property(env, error, "syscall", syscall);
  napi_throw(env, error);
  return NULL;
}

/* flock(fd, operation) -> true; false when LOCK_NB was asked and the lock is held elsewhere.
 * Retries on EINTR, so a signal never turns into a spurious error. */
static napi_value Flock(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd = -1, op = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_value_int32(env, argv[1], &op) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "flock(fd, operation) takes two integers");
    return NULL;
  }
  int rc;
  do {
    rc = flock(fd, op);
  } while (rc != 0 && errno == EINTR);
  napi_value result;
  if (rc != 0) {
    if ((op & LOCK_NB) && errno == EWOULDBLOCK) {
      napi_get_boolean(env, false, &result);
      return result;
    }
    return throw_errno(env, errno, fd);
  }
  napi_get_boolean(env, true, &result);
  return result;
}

static void set_int(napi_env env, napi_value obj, const char* name, int value) {
  napi_value v;
  napi_create_int32(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

/* The process's hub (src/core/hub.ts): worker threads whose parents never opened a log share no
 * object with each other, so nothing in JavaScript can tell two of them starting at once which of them
 * makes the hub and which asks for it. hubEnter(id) settles it for the calling thread: if no thread
 * holds a hub, the caller's `id` becomes the process's hub; either way the caller now counts as a
 * holder, and the hub's id is returned (the caller asks for that hub if it is not its own). A holder
 * stops counting when its thread's environment is torn down, however it ends, so a process whose
 * holders have all gone makes a new hub instead of asking a hub nobody holds. */
static pthread_mutex_t hub_mutex = PTHREAD_MUTEX_INITIALIZER;
static int32_t hub_id = 0;
static int32_t hub_holders = 0;

static void HubLeave(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  free(data);
  pthread_mutex_lock(&hub_mutex);
  if (--hub_holders == 0) hub_id = 0;
  pthread_mutex_unlock(&hub_mutex);
}

/* hubEnter(id) -> the process's hub id. Once per thread: a second call returns the hub id without
 * counting the thread twice. */
static napi_value HubEnter(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t id = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &id) != napi_ok || id == 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "hubEnter(id) takes a non-zero integer");
    return NULL;
  }
  void* entered = NULL;
  napi_get_instance_data(env, &entered);
  pthread_mutex_lock(&hub_mutex);
  if (entered == NULL) {
    if (hub_holders == 0) hub_id = id;
    hub_holders++;
  }
  int32_t current = hub_id;
  pthread_mutex_unlock(&hub_mutex);
  if (entered == NULL) napi_set_instance_data(env, malloc(1), HubLeave, NULL);
  napi_value result;
  napi_create_int32(env, current, &result);
  return result;
}

/* hubHolders() -> how many threads hold the hub (for tests and diagnostics). */
static napi_value HubHolders(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_mutex_lock(&hub_mutex);
  int32_t n = hub_holders;
  pthread_mutex_unlock(&hub_mutex);
  napi_value result;
  napi_create_int32(env, n, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "flock", NAPI_AUTO_LENGTH, Flock, NULL, &fn);
  napi_set_named_property(env, exports, "flock", fn);
  napi_create_function(env, "hubEnter", NAPI_AUTO_LENGTH, HubEnter, NULL, &fn);
  napi_set_named_property(env, exports, "hubEnter", fn);
  napi_create_function(env, "hubHolders", NAPI_AUTO_LENGTH, HubHolders, NULL, &fn);
  napi_set_named_property(env, exports, "hubHolders", fn);
  set_int(env, exports, "LOCK_SH", LOCK_SH);
  set_int(env, exports, "LOCK_EX", LOCK_EX);
  set_int(env, exports, "LOCK_NB", LOCK_NB);
  set_int(env, exports, "LOCK_UN", LOCK_UN);
  return exports;
}
