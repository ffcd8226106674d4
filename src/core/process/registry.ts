import {
  BroadcastChannel,
  type MessagePort,
  Worker,
  getEnvironmentData,
  isMainThread,
  receiveMessageOnPort,
  setEnvironmentData,
} from 'node:worker_threads';
import {
  allocate,
  allocateHub,
  hubViewsOf,
  viewsOf,
  isCurrentHub,
  isCurrentLayout,
  type SharedViews,
} from '../memory/layout.js';
import { SharedRing } from '../memory/ring.js';
import { Control } from '../memory/control.js';
import { FLUSHER_BOOT_MS, Hub } from '../memory/hub.js';
import { Drainer, sleep } from './drain.js';
import { FileAppender } from '../rotation/appender.js';
import { flockAddon } from '../fs/filelock.js';
import { appenderOptions, type FlusherConfig } from '../options.js';
import { flusherEntry } from '../fs/package.js';

/** Process-wide name of a file's buffer. Both copies of the package (ESM and CommonJS) use it. */
const KEY_PREFIX = 'concurrent-log:v1:';
/** Process-wide name of the hub, and of the channel on which files are announced to the flusher. */
export const HUB_KEY = 'concurrent-log:v1:hub';
/** The channels on which a thread that has no hub, or no buffer for a file, asks for it, and is
 * answered (see ask()). Two, so that a thread asking hears the answers and not every other question. */
export const ASK_KEY = 'concurrent-log:v1:ask';
export const ANSWER_KEY = 'concurrent-log:v1:answer';
/** Registries on globalThis, so both copies of the package in one thread find the same entries. */
const REGISTRY = Symbol.for('concurrent-log.registry.v1');
const HUB = Symbol.for('concurrent-log.hub.v1');

/** How long a thread asks for the process's hub before making a hub of its own (nobody answered:
 * every thread that holds it is busy and no flusher runs). Generous: a flusher may take seconds to
 * boot while a hundred workers start on two cores. */
const HUB_ASK_MS = 10_000;
/** How long a thread asks the live flusher for a file's buffer. */
const FILE_ASK_MS = 3000;
/** Asks are broadcast, and a broadcast reaches only the channels open when it is posted: repeated,
 * less and less often (a hundred threads asking while the flusher boots must not flood it). */
const ASK_REPEAT_MS = 20;
const ASK_REPEAT_MAX_MS = 320;
/** The longest nap between two looks for an answer. */
const POLL_MAX_MS = 20;
/** How long the thread that made a file's buffer waits for the flusher to take it, under the registry lock. */
const REGISTRY_HANDOVER_MS = 2000;

export interface SharedFile {
  key: string;
  views: SharedViews;
  ring: SharedRing;
  control: Control;
  hub: Hub;
  config: FlusherConfig;
  /** Whether this thread made the buffer (rather than receiving it from another thread). */
  created: boolean;
}

interface EnvEntry {
  sab: SharedArrayBuffer;
  config: FlusherConfig;
}

/**
 * What goes over the hub's channels. On HUB_KEY: a file announced to the flusher (the main thread
 * keeps it too, see keepFile), and a new flusher's hello. On ASK_KEY: a thread's question (`filename`
 * null: the hub itself); on ANSWER_KEY, the answers.
 */
export type HubMessage =
  | { type: 'file'; sab: SharedArrayBuffer; config: FlusherConfig; hub: SharedArrayBuffer }
  | { type: 'hello'; token: number }
  | { type: 'ask'; hub: number; filename: string | null; since: number }
  | { type: 'hub'; sab: SharedArrayBuffer }
  | { type: 'known'; hub: number; filename: string; file: EnvEntry | null };

interface ThreadHub {
  hub: Hub;
  /** This thread's end of the announcement channel: it answers a new flusher's hello. */
  channel: BroadcastChannel;
  /** The flusher this thread started, if it still runs: files are posted to it directly, queued
   * until it reads them, so this thread never waits for it to boot. */
  started: { token: number; worker: Worker } | null;
}

function registry(): Map<string, SharedFile> {
  const g = globalThis as unknown as Record<symbol, Map<string, SharedFile> | undefined>;
  return (g[REGISTRY] ??= new Map());
}

/** Threads of the process that hold a hub (the native count), for tests and diagnostics. */
export function hubHolders(): number {
  return flockAddon().hubHolders();
}

/**
 * Broadcasts `question` on the registry channel and waits, synchronously, for an answer `accept`
 * takes (anything but undefined), while `keepAsking()` and for at most `ms`. The question is repeated,
 * since a thread that answers may open its channel after the first one was posted. A thread that has
 * the hub (`hub`) is woken as an answer is posted; one asking for the hub itself naps between looks.
 */
function ask<T>(
  question: Omit<Extract<HubMessage, { type: 'ask' }>, 'since'>,
  accept: (m: HubMessage) => T | undefined,
  ms: number,
  keepAsking: () => boolean,
  hub?: Hub,
): T | undefined {
  const answers = new BroadcastChannel(ANSWER_KEY);
  const questions = new BroadcastChannel(ASK_KEY);
  // Node reads a BroadcastChannel as it does a MessagePort (documented since 15.4); its types do not say so.
  const port = answers as unknown as MessagePort;
  // Every answer posted from now on reaches this thread: the answerer needs to answer it only if it
  // has not answered the same question since (see answerQuestions).
  const asked: HubMessage = { ...question, since: Date.now() };
  try {
    const started = Date.now();
    const deadline = started + ms;
    let repeatAt = 0;
    let repeatMs = ASK_REPEAT_MS;
    for (;;) {
      const now = Date.now();
      if (now >= repeatAt) {
        questions.postMessage(asked);
        repeatAt = now + repeatMs;
        repeatMs = Math.min(ASK_REPEAT_MAX_MS, repeatMs * 2);
      }
      // Read before looking: an answer posted after the look ends the wait below at once.
      const seen = hub?.answersSeq() ?? 0;
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        const answer = accept(m.message as HubMessage);
        if (answer !== undefined) return answer;
      }
      if (now >= deadline || !keepAsking()) return undefined;
      // Short naps at first (an idle answerer answers in well under a millisecond), longer ones
      // later: a hundred threads waiting must leave the cores to the flusher that is booting.
      const nap = Math.min(POLL_MAX_MS, 1 + ((now - started) >> 4), repeatAt - now);
      if (hub === undefined) sleep(nap);
      else hub.awaitAnswer(seen, nap);
    }
  } finally {
    answers.close();
    questions.close();
  }
}

/**
 * A thread that answers questions (the flusher, the main thread): listens on ASK_KEY and answers on
 * ANSWER_KEY what `reply` says. Returns the close.
 */
export function answerQuestions(
  reply: (m: HubMessage) => HubMessage | undefined,
  unref: boolean,
  hub: Hub,
): () => void {
  const questions = new BroadcastChannel(ASK_KEY);
  const answers = new BroadcastChannel(ANSWER_KEY);
  if (unref) {
    questions.unref();
    answers.unref();
  }
  // Said once, unasked: a thread asking for the hub now hears it at once, not at its next question
  // (asks are repeated less and less often, and one may have been posted before this channel opened).
  answers.postMessage({ type: 'hub', sab: hub.sab } satisfies HubMessage);
  // An answer reaches every thread asking the same question, so a question from a thread that was
  // already listening when that question was last answered is not answered again: a hundred threads
  // opening one file at once ask ~600 times, and each answer goes to all of them. A thread that began
  // asking since (the same millisecond counts as since) is answered at once: dropping its question for
  // a while made every handler made after another one wait for its asker's next repeat.
  const answered = new Map<string, number>();
  questions.onmessage = (e: unknown) => {
    const m = (e as { data: HubMessage }).data;
    if (m.type !== 'ask') return;
    const topic = `${m.hub}\0${m.filename ?? ''}`;
    if (m.since < (answered.get(topic) ?? -Infinity)) return;
    const r = reply(m);
    if (r === undefined) return;
    // Taken before posting: a thread that begins asking after the post must not count as answered.
    // (A wall clock set back meanwhile can still make it so: it then asks until its time runs out,
    // and at worst makes a second buffer, whose records are written under the same file lock.)
    answered.set(topic, Date.now());
    answers.postMessage(r);
    hub.answered();
  };
  return () => {
    questions.close();
    answers.close();
  };
}

/**
 * This process's hub: the one this thread has, or the one the native hub table names. A thread is
 * told the hub's id there (and counted as holding it); the hub itself is the one it inherited from
 * the thread that started it, the new one it made if no thread held one, or else the one the flusher
 * (or the main thread) sends when asked.
 */
function threadHub(known?: SharedArrayBuffer): ThreadHub {
  const g = globalThis as unknown as Record<symbol, ThreadHub | undefined>;
  let th = g[HUB];
  if (th) return th;
  const offered = known ?? (getEnvironmentData(HUB_KEY) as SharedArrayBuffer | undefined);
  const candidate = new Hub(
    offered instanceof SharedArrayBuffer && isCurrentHub(offered) ? hubViewsOf(offered) : allocateHub(),
  );
  const id = flockAddon().hubEnter(candidate.id());
  let hub = candidate;
  if (id !== candidate.id()) {
    const sab = ask(
      { type: 'ask', hub: id, filename: null },
      (m) => (m.type === 'hub' && isCurrentHub(m.sab) && new Hub(hubViewsOf(m.sab)).id() === id ? m.sab : undefined),
      HUB_ASK_MS,
      () => true,
    );
    // Nobody answered: every holder is busy and no flusher runs. A hub of this thread's own still
    // writes every record (each hub's flusher takes the file lock); it only costs a second flusher.
    if (sab !== undefined) hub = new Hub(hubViewsOf(sab));
  }
  setEnvironmentData(HUB_KEY, hub.sab);
  const channel = new BroadcastChannel(HUB_KEY);
  channel.unref();
  // A new flusher knows only the file that started it: every thread announces its other files.
  channel.onmessage = (e: unknown) => {
    const m = (e as { data: HubMessage }).data;
    if (m.type === 'hello') {
      for (const file of registry().values()) if (file.control.attached() > 0 && !isServed(file)) announce(file);
    }
  };
  th = { hub, channel, started: null };
  g[HUB] = th;
  if (isMainThread) answerFromMain(th);
  return th;
}

/** The flusher holds the hub it was started with: counted in the native table like any thread. */
export function joinHub(hub: Hub): void {
  flockAddon().hubEnter(hub.id());
}

export function channelName(filename: string): string {
  return KEY_PREFIX + filename;
}

/** The file if a handler is still attached to it (see sharedFileFor: a closed file is not reused). */
function inUse(file: SharedFile | undefined): SharedFile | undefined {
  return file !== undefined && file.control.attached() > 0 ? file : undefined;
}

function fileOf(key: string, entry: EnvEntry, hub: Hub, created: boolean): SharedFile {
  const views = viewsOf(entry.sab);
  return { key, views, ring: new SharedRing(views), control: new Control(views), hub, config: entry.config, created };
}

/**
 * This process's buffer for `config.filename`, the same for every thread whichever opens it first:
 * the one this thread has, the one its parent thread published, the one the flusher serves (asked
 * for), or a new one, made under the hub's registry lock and handed to the flusher before the lock is
 * given back, so that a thread asking next is answered with it. The caller is attached to it.
 * A buffer no handler is attached to any more is never reused: the handler being made may be a
 * restart with another configuration (a new maxBytes, schedule or retention), and even with the
 * same one its construction time is the eager open's "now". The flusher drains and lets go of the
 * old buffer when the new one reaches it (flusher.ts, adopt).
 */
export function sharedFileFor(config: FlusherConfig, ringSize: number, onError: (err: Error) => void): SharedFile {
  const key = KEY_PREFIX + config.filename;
  const reg = registry();
  const known = reg.get(key);
  if (known && inUse(known)) {
    known.control.attach();
    return known;
  }
  const { hub } = threadHub();
  const inherited = getEnvironmentData(key) as EnvEntry | undefined;
  let file: SharedFile | undefined;
  if (!known && inherited && inherited.sab instanceof SharedArrayBuffer && isCurrentLayout(inherited.sab))
    file = inUse(fileOf(key, inherited, hub, false));
  // A file no thread of the process ever made a buffer for is made at once: nobody is asked (the
  // flusher may still be booting), so a thread opening fifty files does not wait fifty times.
  if (file === undefined && hub.mayHaveFile(config.filename)) file = inUse(askFlusher(hub, key, config.filename));
  if (file === undefined) {
    hub.lockRegistry();
    try {
      if (hub.mayHaveFile(config.filename)) file = inUse(askFlusher(hub, key, config.filename, true));
      if (file === undefined) {
        hub.addFile(config.filename);
        file = fileOf(key, { sab: allocate(ringSize).sab, config }, hub, true);
        reg.set(key, file);
        setEnvironmentData(key, { sab: file.views.sab, config } satisfies EnvEntry);
        // Attached before the flusher has it: a flusher lets go of a file no handler is attached to.
        file.control.attach();
        // A thread asking next must be answered with it. The flusher reads what waits in its queues
        // before it answers (flusher.ts), so only an announcement that may have reached no queue (the
        // flusher had not listened within LISTEN_WAIT_MS) is waited for.
        if (ensureFlusher(file, onError) === 'announced-late') file.control.awaitServed(REGISTRY_HANDOVER_MS);
        // The main thread keeps what workers make (keepFile): it is told even when the flusher was told
        // by workerData.
        if (!isMainThread)
          threadHub().channel.postMessage({
            type: 'file',
            sab: file.views.sab,
            config,
            hub: hub.sab,
          } satisfies HubMessage);
      }
    } finally {
      hub.unlockRegistry();
    }
  }
  reg.set(key, file);
  if (!file.created) {
    file.control.attach();
    setEnvironmentData(key, { sab: file.views.sab, config: file.config } satisfies EnvEntry);
  }
  return file;
}

/** The buffer the live flusher serves for `filename`, if it serves one (undefined: none, or no flusher). */
function askFlusher(hub: Hub, key: string, filename: string, patient = false): SharedFile | undefined {
  let keepAsking: () => boolean;
  if (hub.flusherMayAnswer()) {
    // A booting flusher answers only once it listens: asking meanwhile would time out, and the thread
    // would make a second buffer for the file. Waiting also keeps a hundred threads from flooding it.
    hub.awaitListening(hub.flusherToken(), FLUSHER_BOOT_MS);
    keepAsking = () => hub.flusherMayAnswer() || mainMayAnswer(hub);
  } else if (mainMayAnswer(hub)) {
    // No flusher (the one a worker started ended with it): the main thread knows the files it keeps.
    keepAsking = () => true;
  } else return undefined;
  const answer = ask(
    { type: 'ask', hub: hub.id(), filename },
    (m) => (m.type === 'known' && m.hub === hub.id() && m.filename === filename ? m : undefined),
    // Under the registry lock the alternative is a second buffer: a live flusher is asked as long as it
    // lives (flooded by a hundred threads opening at once, it may answer late, never not at all).
    patient ? FLUSHER_BOOT_MS : FILE_ASK_MS,
    keepAsking,
    hub,
  );
  if (answer?.file == null || !isCurrentLayout(answer.file.sab)) return undefined;
  return fileOf(key, answer.file, hub, false);
}

/** Whether the main thread answers for files: never to itself, which waits while it asks. */
function mainMayAnswer(hub: Hub): boolean {
  return !isMainThread && hub.mainAnswering();
}

/** The answer to a question on the registry channel, from a thread that has the hub (undefined: none). */
export function answer(hub: Hub, m: HubMessage, files: (filename: string) => EnvEntry | null): HubMessage | undefined {
  if (m.type !== 'ask' || m.hub !== hub.id()) return undefined;
  if (m.filename === null) return { type: 'hub', sab: hub.sab };
  return { type: 'known', hub: hub.id(), filename: m.filename, file: files(m.filename) };
}

/**
 * The main thread, once it has a hub, answers questions for the hub (its event loop is usually free,
 * and it outlives every worker), and starts a flusher of its own for the files it keeps (keepFile).
 */
function answerFromMain(th: ThreadHub): void {
  // The flusher answers for the files it serves. The main thread answers for the hub, and for the
  // files it keeps while no flusher runs: a thread opening one then joins its buffer, not a new one.
  answerQuestions(
    (m) => {
      if (m.type !== 'ask' || (m.filename !== null && th.hub.flusherAlive())) return undefined;
      // A worker that made a file announced it before giving the registry lock back: kept before answering.
      if (m.filename !== null) hearKept();
      return answer(th.hub, m, (filename) => {
        const f = registry().get(KEY_PREFIX + filename);
        return f !== undefined && (f.control.attached() > 0 || f.ring.pending() > 0)
          ? { sab: f.views.sab, config: f.config }
          : null;
      });
    },
    true,
    th.hub,
  );
  th.hub.mainAnswers();
  setInterval(() => {
    for (const [key, file] of registry()) {
      if (file.control.attached() === 0 && file.ring.pending() === 0) registry().delete(key);
      else ensureFlusher(file, (err) => process.emitWarning(err));
    }
    for (let i = superseded.length - 1; i >= 0; i--)
      if (superseded[i]!.control.attached() === 0 && superseded[i]!.ring.pending() === 0) superseded.splice(i, 1);
  }, 1000).unref();
}

/**
 * Main thread: buffers of a file that a newer one replaced in the registry while they still held
 * records or handlers (a worker made a second buffer after the flusher that served the first ended
 * with the worker that started it). They are written at exit like the registry's own.
 */
const superseded: SharedFile[] = [];

/**
 * The main thread keeps each file a worker announces: its records are then written at exit even if
 * every worker was terminated, and the main thread starts a flusher of its own for it (one that lasts
 * as long as the process, see ensureFlusher).
 */
function keepFile(m: Extract<HubMessage, { type: 'file' }>): void {
  const key = KEY_PREFIX + m.config.filename;
  const reg = registry();
  const had = reg.get(key);
  if (had?.views.sab === m.sab || !isCurrentLayout(m.sab)) return;
  const { hub } = threadHub();
  if (hub.sab !== m.hub && !(isCurrentHub(m.hub) && new Hub(hubViewsOf(m.hub)).id() === hub.id())) return;
  const i = superseded.findIndex((f) => f.views.sab === m.sab);
  const file = i >= 0 ? superseded.splice(i, 1)[0]! : fileOf(key, { sab: m.sab, config: m.config }, hub, false);
  if (had !== undefined && (had.control.attached() > 0 || had.ring.pending() > 0)) superseded.push(had);
  reg.set(key, file);
}

/**
 * The main thread, as soon as it has the package, even if it never opens a file: it keeps every file
 * a worker makes (keepFile), and when the process exits it writes what their buffers still hold, so
 * a worker terminated right after write() returned, or process.exit(), loses no accepted record.
 */
const keeper = isMainThread ? new BroadcastChannel(HUB_KEY) : null;

function heardKept(m: HubMessage): void {
  if (m.type !== 'file') return;
  try {
    threadHub(m.hub);
    keepFile(m);
  } catch (err) {
    // No addon in this process's main thread: the worker that has one writes its records.
    process.emitWarning(err as Error);
  }
}

/** Main thread: keeps the files announced and not read yet. */
function hearKept(): void {
  const port = keeper as unknown as MessagePort | null;
  if (port === null) return;
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port))
    heardKept(m.message as HubMessage);
}

if (keeper !== null) {
  keeper.unref();
  keeper.onmessage = (e: unknown) => heardKept((e as { data: HubMessage }).data);
  process.on('exit', () => {
    // Announcements not delivered yet (process.exit() called right after a worker made its file).
    hearKept();
    for (const file of [...registry().values(), ...superseded]) {
      if (file.ring.pending() === 0) continue;
      const drainer = new Drainer(
        file.control,
        file.ring,
        new FileAppender(
          appenderOptions(file.config),
          (err) => process.emitWarning(err),
          () => {},
        ),
      );
      try {
        drainer.drainAll();
      } catch (err) {
        process.emitWarning(err as Error);
      } finally {
        drainer.close();
      }
    }
  });
}

/** A private buffer for `shared: false`: the same machinery, drained by the writing thread itself. */
export function privateFile(config: FlusherConfig, ringSize: number): SharedFile {
  const views = allocate(ringSize);
  return {
    key: KEY_PREFIX + config.filename,
    views,
    ring: new SharedRing(views),
    control: new Control(views),
    hub: threadHub().hub,
    config,
    created: true,
  };
}

/** Whether the process's live flusher has this file in its care. */
export function isServed(file: SharedFile): boolean {
  const by = file.control.servedBy();
  return by !== 0 && by === file.hub.flusherToken() && file.hub.flusherAlive();
}

/** The longest a thread waits for a booting flusher before announcing anyway (the hello covers it). */
const LISTEN_WAIT_MS = 2000;

/**
 * Tells the flusher its configuration changed (a namer or rotator assigned): the one serving `file`,
 * or the one that has it queued still (a handler does not wait for the flusher to take its file, so
 * the flusher may adopt it from the announcement made with the old configuration, and then this one).
 */
export function reannounce(file: SharedFile): void {
  if (file.hub.flusherAlive()) announce(file);
}

/** Tells the flusher about `file`; whether the message is surely in its queue (see sharedFileFor). */
function announce(file: SharedFile): boolean {
  const th = threadHub();
  const message: HubMessage = { type: 'file', sab: file.views.sab, config: file.config, hub: file.hub.sab };
  const token = file.hub.flusherToken();
  let queued = true;
  if (th.started !== null && th.started.token === token) th.started.worker.postMessage(message);
  else {
    queued = file.hub.awaitListening(token, LISTEN_WAIT_MS);
    th.channel.postMessage(message);
  }
  file.hub.wake();
  return queued;
}

/**
 * The flags of this process that a worker must not inherit: they describe the main script (code given
 * on the command line, its module type, a syntax check) and make `new Worker` fail or run something
 * else. Everything else (--require, --import, --conditions, memory limits...) is kept.
 */
const SCRIPT_FLAGS_WITH_VALUE = new Set([
  '--input-type',
  '--eval',
  '-e',
  '--print',
  '-p',
  '-pe',
  '--watch-path',
  '--test-name-pattern',
  '--test-reporter',
  '--test-reporter-destination',
  '--test-concurrency',
  '--test-shard',
  '--test-skip-pattern',
  '--run',
]);
const SCRIPT_FLAGS = new Set([
  '--check',
  '-c',
  '--interactive',
  '-i',
  '--test',
  '--watch',
  '--watch-preserve-output',
  '--test-only',
  '--experimental-test-coverage',
  '--experimental-default-type',
]);

export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith('--') ? arg.split('=', 1)[0]! : arg;
    if (SCRIPT_FLAGS_WITH_VALUE.has(name)) {
      if (!arg.includes('=')) i++;
      continue;
    }
    if (SCRIPT_FLAGS.has(name)) continue;
    kept.push(arg);
  }
  return kept;
}

/** What ensureFlusher did: 'served' (already), 'started' (a flusher, with this file), 'announced'
 * (to the live flusher: the message waits in its queue), 'announced-late' (to a flusher that was not
 * listening yet: it has the file when it serves it, or after its hello), 'none' (no flusher can run
 * now: the writers write their own records). */
export type FlusherState = 'served' | 'started' | 'announced' | 'announced-late' | 'none';

/**
 * Makes sure the process's one flusher thread serves this file: tells the live flusher about it, or
 * starts the flusher if there is none (the caller that wins the compare-and-swap on HUB_FLUSHER).
 * The main thread also replaces a flusher a worker started, which would die with that worker.
 * The flusher is unref'd, so it never keeps the process alive; exit handlers drain instead.
 */
export function ensureFlusher(file: SharedFile, onError: (err: Error) => void): FlusherState {
  const { hub } = file;
  if (isServed(file) && (!isMainThread || hub.flusherLasts())) return 'served';
  let token = hub.claimFlusher(isMainThread);
  for (let tries = 0; token === 0; tries++) {
    if (!hub.flusherAlive()) return 'none';
    const flusher = hub.flusherToken();
    const queued = announce(file);
    // Still the flusher after the post: it reads the message, even if it was letting its last file go
    // (flusher.ts serve). Otherwise it may have ended unread: told again, to the next one or a new one.
    if (hub.flusherToken() === flusher || tries === 2) return queued ? 'announced' : 'announced-late';
    token = hub.claimFlusher(isMainThread);
  }
  let worker: Worker;
  try {
    worker = new Worker(flusherEntry(), {
      workerData: { hub: hub.sab, token, files: [{ sab: file.views.sab, config: file.config }] },
      name: 'concurrent-log flusher',
      execArgv: workerExecArgv(),
      // The default, stated because the lock depends on it: the thread's descriptors (and so its
      // flocks) are closed when it exits, however it exits.
      trackUnmanagedFds: true,
    });
  } catch (err) {
    hub.flusherFailed(token);
    onError(err as Error);
    return 'none';
  }
  worker.unref();
  const th = threadHub();
  th.started = { token, worker };
  worker.on('error', onError);
  // Died mid-drain: its drain locks are free to take at once (Drainer.acquire, by the native thread
  // table, which knows even when this thread has ended too). Its file locks are already gone: Node
  // closes a worker's file descriptors when it exits (trackUnmanagedFds), and the kernel drops a
  // flock with its last descriptor. Died before it ever listened: it cannot run here (a flag, a
  // loader, memory), so the writers write their own records for a while.
  worker.on('exit', () => {
    if (!hub.isListening(token) && hub.isFlusher(token)) hub.flusherFailed(token);
    hub.releaseFlusher(token);
    if (th.started?.worker === worker) th.started = null;
  });
  return 'started';
}
