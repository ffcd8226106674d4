/*
 * flock(2) for Node, as a Node-API addon.
 *
 * Why not fs-ext: fs-ext keeps V8 Persistent handles in process-global statics and Resets them in
 * every isolate that loads it, so loading it in two worker threads destroys one thread's handles
 * from the other (a segfault in GlobalHandles::Destroy, seen here with piscina pools). Node-API
 * addons hold no such state, so this one is safe in any number of threads.
 *
 * It also keeps the state that must be process-wide: which hub the threads of this process share and
 * how many threads hold it (hubEnter), and which threads have ended (threadGone), which a lock holder
 * terminated with its thread cannot say itself. Static memory is per process and shared by every
 * thread that loads this library, which no JavaScript object is.
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

/* What this library knows of each thread that loaded it, kept as the thread's Node-API instance data
 * and in one list, both under `table`. Freed by the environment's cleanup, which Node runs however
 * the thread ends (returned, terminated, or ended with the worker that started it). */
typedef struct thread_rec {
  int32_t token;   /* 0 until threadToken() is first called in the thread */
  int hub_entered; /* counted in hub_holders */
  struct thread_rec* next;
} thread_rec;

static pthread_mutex_t table = PTHREAD_MUTEX_INITIALIZER;
static thread_rec* live = NULL;
static int32_t next_token = 1;

/* The process's hub (src/core/hub.ts): worker threads whose parents never opened a log share no
 * JavaScript object, so which hub is the process's must be settled here, the one place every thread
 * of the process sees: hubEnter(id) settles it for the calling thread. If no thread holds a hub, the
 * caller's `id` becomes the process's hub; either way the caller now counts as a holder, and the
 * hub's id is returned (the caller asks for that hub if it is not its own). A holder stops counting
 * when its thread ends, so a thread that comes after the holders have all gone makes a new hub
 * instead of asking a hub nobody holds. */
static int32_t hub_id = 0;
static int32_t hub_holders = 0;

static void ThreadGone(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  thread_rec* rec = data;
  pthread_mutex_lock(&table);
  for (thread_rec** p = &live; *p != NULL; p = &(*p)->next) {
    if (*p == rec) {
      *p = rec->next;
      break;
    }
  }
  if (rec->hub_entered && --hub_holders == 0) hub_id = 0;
  pthread_mutex_unlock(&table);
  free(rec);
}

/* The calling thread's record, made on first use. Only its own thread writes its fields, under `table`. */
static thread_rec* this_thread(napi_env env) {
  void* data = NULL;
  napi_get_instance_data(env, &data);
  if (data != NULL) return data;
  thread_rec* rec = calloc(1, sizeof *rec);
  if (rec == NULL) return NULL;
  pthread_mutex_lock(&table);
  rec->next = live;
  live = rec;
  pthread_mutex_unlock(&table);
  napi_set_instance_data(env, rec, ThreadGone, NULL);
  return rec;
}

static napi_value int32_result(napi_env env, int32_t value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
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
  thread_rec* rec = this_thread(env);
  if (rec == NULL) {
    napi_throw_error(env, "ENOMEM", "concurrent-log: no memory for the thread table");
    return NULL;
  }
  pthread_mutex_lock(&table);
  if (!rec->hub_entered) {
    if (hub_holders == 0) hub_id = id;
    hub_holders++;
    rec->hub_entered = 1;
  }
  int32_t current = hub_id;
  pthread_mutex_unlock(&table);
  return int32_result(env, current);
}

/* hubHolders() -> how many threads hold the hub (for tests and diagnostics). */
static napi_value HubHolders(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_mutex_lock(&table);
  int32_t n = hub_holders;
  pthread_mutex_unlock(&table);
  return int32_result(env, n);
}

/* threadToken() -> the calling thread's token: positive, the same for the thread's life, never given
 * to another thread of the process. Locks in shared memory are held by it (src/core/control.ts, hub.ts). */
static napi_value ThreadToken(napi_env env, napi_callback_info info) {
  (void)info;
  thread_rec* rec = this_thread(env);
  if (rec == NULL) {
    napi_throw_error(env, "ENOMEM", "concurrent-log: no memory for the thread table");
    return NULL;
  }
  pthread_mutex_lock(&table);
  if (rec->token == 0) rec->token = next_token++;
  int32_t token = rec->token;
  pthread_mutex_unlock(&table);
  return int32_result(env, token);
}

/* threadGone(token) -> whether the thread given `token` has ended. A lock its holder can no longer
 * give back is then taken over at once, instead of after a timeout that must outlast any live
 * holder's pause. False for a token never given (0, negative, or from another source). */
static napi_value ThreadGoneQuery(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t token = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &token) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "threadGone(token) takes an integer");
    return NULL;
  }
  pthread_mutex_lock(&table);
  int gone = token > 0 && token < next_token;
  for (thread_rec* r = live; gone && r != NULL; r = r->next)
    if (r->token == token) gone = 0;
  pthread_mutex_unlock(&table);
  napi_value result;
  napi_get_boolean(env, gone, &result);
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
  napi_create_function(env, "threadToken", NAPI_AUTO_LENGTH, ThreadToken, NULL, &fn);
  napi_set_named_property(env, exports, "threadToken", fn);
  napi_create_function(env, "threadGone", NAPI_AUTO_LENGTH, ThreadGoneQuery, NULL, &fn);
  napi_set_named_property(env, exports, "threadGone", fn);
  set_int(env, exports, "LOCK_SH", LOCK_SH);
  set_int(env, exports, "LOCK_EX", LOCK_EX);
  set_int(env, exports, "LOCK_NB", LOCK_NB);
  set_int(env, exports, "LOCK_UN", LOCK_UN);
  return exports;
}
