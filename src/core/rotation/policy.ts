// What decides when the base file rotates and where a record goes. The FileAppender does the
// locking, batching, state and file work for every policy; a policy holds one rotation scheme's
// decisions in one place: by time (TimedPolicy, CPython's TimedRotatingFileHandler) or by size
// (SizePolicy, CPython's RotatingFileHandler). Every call is made under the file lock.
import type { RotationPolicy } from './ports.js';
import { TimedPolicy } from './timed-policy.js';
import { SizePolicy } from './size-policy.js';

/** The policy whose `key` this is (the configuration of other live writers, to follow). */
export function policyFromKey(key: string): RotationPolicy {
  return SizePolicy.fromKey(key) ?? TimedPolicy.fromKey(key);
}
