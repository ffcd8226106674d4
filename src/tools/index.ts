/// <reference types="node" preserve="true" />
// `concurrent-log/tools`: the stress run's verifier, for scripts and tests. Kept out of the root
// entry so that importing the logger loads no benchmark, verifier or CLI module.
export {
  verifyRun,
  formatVerifyTable,
  type VerifyOptions,
  type VerifyResult,
  type VerifyCounts,
  type TornExample,
} from './verify.js';
export { LEVELS } from './verify.js';
export { Follower, type FollowOptions, type Checkpoint } from './follow.js';
export { networkFsOf, parseMountinfo, mountOf, NETWORK_FS_MAGIC, type MountEntry } from '../core/fs/netfs.js';
