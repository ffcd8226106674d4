// `concurrent-log conformance` on CPython 3.13's own vectors (test/fixtures/oracle), run as a user would.
import test from 'ava';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'concurrent-log.mjs');
const oracle = join(root, 'test', 'fixtures', 'oracle');
const FILES = [join(oracle, 'rollover_vectors.json.gz'), join(oracle, 'delete_vectors.json')];
/** A vector file's JSON (the big ones are gzipped). */
const readJson = (file) =>
  JSON.parse((file.endsWith('.gz') ? gunzipSync(readFileSync(file)) : readFileSync(file)).toString('utf8'));

function conformance(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'conformance', ...args], { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

for (const mode of ['env', 'option']) {
  test(`every CPython vector passes with the zone as ${mode === 'env' ? 'the process TZ' : 'the timezone option'}`, async (t) => {
    const r = await conformance(['--zone-mode', mode, ...FILES]);
    t.log(r.stdout.trim().split('\n').slice(-1)[0]);
    t.is(r.code, 0, r.stdout + r.stderr);
    t.regex(r.stdout, /^\d+ passed, 0 failed$/m);
    t.regex(r.stdout, /cases\/chain\s+\d{5}/, 'the ~11,400 rollover cases ran');
    t.regex(r.stdout, /^delete\s+1\d\d\s/m, 'the delete vectors ran');
  });
}

test('a corrupted vector fails the run and is reported with expected vs got', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-'));
  try {
    const doc = readJson(FILES[1]);
    const victim = doc.cases.find((c) => c.expect.delete && c.expect.delete.length > 0);
    victim.expect.delete = [...victim.expect.delete, 'test.log.1999-01-01'];
    const file = join(dir, 'delete_vectors.json');
    writeFileSync(file, JSON.stringify(doc));
    const r = await conformance(['--zone-mode', 'env', file]);
    t.is(r.code, 1);
    t.regex(r.stdout, /^[1-9]\d* passed, 1 failed$/m);
    t.true(r.stdout.includes(`FAIL delete ${victim.id}`), r.stdout);
    t.true(r.stdout.includes('test.log.1999-01-01'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const SIZE = join(oracle, 'size_vectors.json.gz');

test("CPython's RotatingFileHandler vectors pass through the real size handler on real files", async (t) => {
  const r = await conformance([SIZE]);
  t.log(r.stdout.trim().split('\n').slice(-1)[0]);
  t.is(r.code, 0, r.stdout + r.stderr);
  const total = readJson(SIZE).cases.length;
  t.regex(r.stdout, new RegExp(`^${total} passed, 0 failed$`, 'm'), 'every case of the file ran');
  // Only the no-op rollovers of backupCount 0 / maxBytes 0 may differ from CPython (the folder may not).
  const [, passed, kept] = /^size\s+(\d+)\s+(\d+)\s+0$/m.exec(r.stdout);
  t.true(Number(passed) > 1000, r.stdout);
  t.is(Number(passed) + Number(kept), total);
});

test('a size vector changed by one line or one rollover fails, with expected vs got', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-'));
  try {
    const doc = readJson(SIZE);
    // A case where CPython's count of characters and ours in bytes differ: expectBytes must be the one compared.
    const bytes = doc.cases.find((c) => c.expectBytes && c.backupCount > 0 && c.expectBytes.rollovers.length > 0);
    const files = doc.cases.find(
      (c) => c.namer === 'ext_before' && c.backupCount > 1 && Object.keys(c.expect.files).length > 2,
    );
    const name = Object.keys(files.expect.files).sort()[1];
    files.expect.files[name].push('not written');
    bytes.expectBytes = { ...bytes.expectBytes, rollovers: bytes.expectBytes.rollovers.slice(1) };
    const file = join(dir, 'size.json');
    writeFileSync(file, JSON.stringify({ cases: [bytes, files, doc.cases[0]] }));
    const r = await conformance([file]);
    t.is(r.code, 1);
    t.regex(r.stdout, /^1 passed, 2 failed$/m);
    t.true(r.stdout.includes(`FAIL size ${bytes.id} folder after close (expectBytes)`), r.stdout);
    t.true(r.stdout.includes(`FAIL size ${files.id} folder after close`), r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without FILE arguments outside a clone (no test/fixtures), the CLI says where the vectors are and exits 2', async (t) => {
  // The published package: dist/, bin/ and package.json, without test/.
  const dir = mkdtempSync(join(tmpdir(), 'conformance-pkg-'));
  try {
    for (const part of ['dist', 'bin', 'package.json']) cpSync(join(root, part), join(dir, part), { recursive: true });
    const r = await new Promise((resolve) => {
      execFile(process.execPath, [join(dir, 'bin', 'concurrent-log.mjs'), 'conformance'], (error, stdout, stderr) =>
        resolve({ code: error ? error.code : 0, stdout, stderr }),
      );
    });
    t.is(r.code, 2, r.stdout + r.stderr);
    t.regex(
      r.stderr,
      /default vectors are missing \(.*test\/fixtures\/oracle\/rollover_vectors\.json\.gz.*not in the published package; pass vector files as arguments/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
